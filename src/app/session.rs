//! What the window knows of the work: the persisted settings, the shipped models, the scan,
//! the model's card, the latest result and sweep, the status and the errors. Panels read it and
//! edit only the settings they draw; everything else changes when the worker reports.

use std::sync::Arc;

use super::Settings;
use super::compare::Pinned;
use super::dataset_session::DatasetSession;
use super::lecture::LectureState;
use super::play::{Playing, Replay};
use super::segmentation_session::SegmentationSession;
use crate::imaging::{LoadOptions, Scan};
use crate::models::{ModelCard, ShippedModel};
use crate::pipeline::AttackResult;
use crate::pipeline::sweep::Sweep;
use crate::worker::ScanSource;

/// How far a run is: attack steps, or an explanation's masked forward passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunProgress {
    /// Steps or passes done.
    pub done: usize,
    /// In all.
    pub total: usize,
    /// Whether these are the masked forward passes of an explanation (Score-CAM, occlusion)
    /// rather than attack steps.
    pub explaining: bool,
}

/// What the status line shows.
#[derive(Debug, Clone, Default)]
pub struct StatusInfo {
    /// The compute device, once ready.
    pub device: Option<String>,
    /// What the worker is doing.
    pub busy: Option<String>,
    /// How far a running attack (or its slow explanation) is.
    pub progress: Option<RunProgress>,
    /// Whether an iterative attack is running.
    pub running: bool,
    /// Whether the sweep is being computed.
    pub sweeping: bool,
    /// Whether an attack request has not been answered yet.
    pub awaiting_result: bool,
}

/// The session's state.
#[derive(Debug)]
pub struct Session {
    /// Persisted choices.
    pub settings: Settings,
    /// The shipped models.
    pub models: Vec<ShippedModel>,
    /// The current scan.
    pub scan: Option<Arc<Scan>>,
    /// Where it came from.
    pub scan_source: Option<ScanSource>,
    /// Frame and window it was read with.
    pub load_options: LoadOptions,
    /// The current model's card.
    pub card: Option<ModelCard>,
    /// The latest result of the newest attack request.
    pub result: Option<Arc<AttackResult>>,
    /// Counts results, so that views know when to upload new images.
    pub result_id: u64,
    /// The latest sweep.
    pub sweep: Option<Sweep>,
    /// What the status line shows.
    pub status: StatusInfo,
    /// Errors shown in the banner.
    pub errors: Vec<String>,
    /// The folder of the last export.
    pub last_export: Option<String>,
    /// The data-set view's evaluations and choices.
    pub dataset: DatasetSession,
    /// The lecture mode.
    pub lecture: LectureState,
    /// The segmentation view.
    pub segmentation: SegmentationSession,
    /// A running *Play* of ε.
    pub playing: Option<Playing>,
    /// A running replay of an iterative attack's steps.
    pub replay: Option<Replay>,
    /// The result pinned for comparison with the current one (compare mode), if any.
    pub pinned: Option<Pinned>,
}

impl Session {
    /// A session before any scan, model or result, with start-up errors to show.
    #[must_use]
    pub fn new(settings: Settings, models: Vec<ShippedModel>, errors: Vec<String>) -> Self {
        Self {
            settings,
            models,
            scan: None,
            scan_source: None,
            load_options: LoadOptions::default(),
            card: None,
            result: None,
            result_id: 0,
            sweep: None,
            status: StatusInfo {
                busy: Some("starting the compute device…".to_string()),
                ..StatusInfo::default()
            },
            errors,
            last_export: None,
            dataset: DatasetSession::default(),
            lecture: LectureState::default(),
            playing: None,
            replay: None,
            pinned: None,
            segmentation: SegmentationSession::new(
                crate::segment::list_segmenters().unwrap_or_default(),
                &super::panels::scan_controls::sample_files(),
            ),
        }
    }

    /// The current model's classes (none before a card arrives).
    #[must_use]
    pub fn classes(&self) -> Vec<String> {
        self.card
            .as_ref()
            .map(|card| card.classes.clone())
            .unwrap_or_default()
    }
}
