//! What the app does for the segmentation view: sending a request whenever the choices
//! change (while the view is shown), taking in results, curves and failures, opening a scan
//! the user picked, and exporting the current result.

use std::path::Path;

use super::commands::Tab;
use super::dialogs::{DialogPurpose, PendingDialog};
use super::segmentation_session::{SegmentationChoices, SegmentationSession};
use super::{AdvlensApp, Command};
use crate::export::{SegmentationReport, write_segmentation_files};
use crate::segment::SegmentationRecipe;
use crate::worker::SegmentationEvent;

impl AdvlensApp {
    /// The segmentation view: its choices, request and latest result.
    #[must_use]
    pub fn segmentation(&self) -> &SegmentationSession {
        &self.session.segmentation
    }

    /// The segmentation view's choices (tests drive the view through these).
    pub fn segmentation_choices_mut(&mut self) -> &mut SegmentationChoices {
        &mut self.session.segmentation.choices
    }

    /// Carries out a segmentation command; returns it back when it is not one.
    pub(super) fn apply_segmentation_command(&mut self, command: Command) -> Option<Command> {
        match command {
            Command::PickSegmentationScan => {
                self.ui_state.dialog =
                    Some(PendingDialog::open(DialogPurpose::OpenSegmentationScan));
            }
            Command::OpenSegmentationScan(path) => self.session.segmentation.choose_scan(path),
            Command::ExportSegmentation(None) => {
                self.ui_state.dialog =
                    Some(PendingDialog::open(DialogPurpose::SegmentationExportFolder));
            }
            Command::ExportSegmentation(Some(folder)) => self.export_segmentation(&folder),
            other => return Some(other),
        }
        None
    }

    /// Takes in the segmentation thread's events, and sends a request when the view is shown
    /// and its choices differ from the last request.
    pub(super) fn update_segmentation(&mut self) {
        let session = &mut self.session.segmentation;
        for event in self.segmenter.poll() {
            match event {
                SegmentationEvent::Done {
                    generation,
                    scan_name,
                    result,
                } => {
                    session.answered = session.answered.max(generation);
                    if session.sent.as_ref().is_some_and(|(g, _)| *g == generation) {
                        session.result = Some((scan_name, result));
                        session.result_id += 1;
                        session.sweep = None;
                        session.sweep_defended = None;
                        session.error = None;
                    }
                }
                SegmentationEvent::Swept {
                    generation,
                    points,
                    defended,
                } => {
                    if session.sent.as_ref().is_some_and(|(g, _)| *g == generation) {
                        session.sweep = Some(points);
                        session.sweep_defended = defended;
                    }
                }
                SegmentationEvent::Failed {
                    generation,
                    message,
                } => {
                    session.answered = session.answered.max(generation);
                    if session.sent.as_ref().is_some_and(|(g, _)| *g == generation) {
                        session.error = Some(format!("{message}; the previous result is kept"));
                    }
                }
            }
        }
        if self.ui_state.tab != Tab::Segmentation {
            return;
        }
        let Some(job) = session.job() else {
            return;
        };
        if session.sent.as_ref().is_none_or(|(_, sent)| *sent != job) {
            let generation = self.segmenter.send(job.clone());
            session.sent = Some((generation, job));
        }
    }

    /// The recipe that replays the segmentation on screen; `None` before a result.
    pub(super) fn segmentation_recipe(&self) -> Option<Result<SegmentationRecipe, String>> {
        let session = &self.session.segmentation;
        let (Some((_, result)), Some((_, job))) = (&session.result, &session.sent) else {
            return None;
        };
        let device = self.session.status.device.clone().unwrap_or_default();
        Some(
            SegmentationRecipe::for_result(
                &job.scan,
                job.mask.as_deref(),
                job.pixel_size_mm,
                &job.model,
                job.attack.as_ref(),
                result,
                &device,
            )
            .map_err(|err| err.to_string()),
        )
    }

    /// Writes the current segmentation's figure, masks and numbers into `folder`.
    fn export_segmentation(&mut self, folder: &Path) {
        let recipe = match self.segmentation_recipe() {
            None => return,
            Some(Ok(recipe)) => recipe,
            Some(Err(err)) => return self.session.errors.push(format!("Error: {err}")),
        };
        let session = &self.session.segmentation;
        let (Some((scan_name, result)), Some((_, job))) = (&session.result, &session.sent) else {
            return;
        };
        let report = SegmentationReport::of(result, &job.model, scan_name);
        match write_segmentation_files(result, &report, Some(&recipe), folder) {
            Ok(()) => self.session.last_export = Some(folder.display().to_string()),
            Err(err) => self.session.errors.push(format!("Error: {err}")),
        }
    }
}
