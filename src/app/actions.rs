//! What the app does between frames: reacting to the worker's events and carrying out the
//! commands the panels queued (in one place).

use std::path::Path;

use eframe::egui;

use super::dialogs::{DialogPurpose, PendingDialog};
use super::{AdvlensApp, Command, export_files};
use crate::attacks::{AttackConfig, AttackKind, epsilon_limit};
use crate::imaging::LoadOptions;
use crate::models::ModelCard;
use crate::worker::{ScanSource, WorkerEvent, WorkerRequest};

impl AdvlensApp {
    pub(super) fn handle_events(&mut self) {
        for event in self.worker.poll() {
            match event {
                WorkerEvent::DeviceReady(description) => {
                    self.status.device = Some(description);
                    self.status.busy = Some("loading…".to_string());
                }
                WorkerEvent::ScanLoaded(scan) => {
                    if let Some(ScanSource::Path(path)) = &self.scan_source {
                        self.settings.remember(path.clone());
                    }
                    self.scan = Some(scan);
                    self.result = None;
                    self.sweep = None;
                    self.status.busy = None;
                }
                WorkerEvent::ModelLoaded(card) => {
                    self.settings.model.clone_from(&card.name);
                    if self
                        .settings
                        .spec
                        .true_label
                        .is_some_and(|label| label >= card.classes.len())
                    {
                        self.settings.spec.true_label = None;
                    }
                    self.card = Some(*card);
                    self.result = None;
                    self.sweep = None;
                    self.status.busy = None;
                }
                WorkerEvent::Progress {
                    generation,
                    done,
                    total,
                } if generation == self.worker.latest_attack() => {
                    self.status.progress = Some((done, total));
                }
                WorkerEvent::Progress { .. } => {}
                WorkerEvent::AttackDone { generation, result } => {
                    if generation == self.worker.latest_attack() {
                        self.result = Some(result);
                        self.result_id += 1;
                        self.status.awaiting_result = false;
                        self.status.running = false;
                        self.status.progress = None;
                        self.status.busy = None;
                    }
                }
                WorkerEvent::SweepDone { generation, sweep } => {
                    if generation == self.worker.latest_sweep() {
                        self.sweep = Some(sweep);
                        self.status.sweeping = false;
                    }
                }
                WorkerEvent::Error { context, message } => {
                    self.errors.push(crate::imaging::one_line(&format!(
                        "Error {context}: {message}"
                    )));
                    self.status.busy = None;
                    self.status.running = false;
                    self.status.sweeping = false;
                    self.status.awaiting_result = false;
                }
            }
        }
    }

    /// Carries out the queued commands.
    pub(super) fn apply(&mut self, ctx: &egui::Context) {
        for command in std::mem::take(&mut self.commands) {
            match command {
                Command::OpenScan(path) => {
                    self.open_scan(ScanSource::Path(path), LoadOptions::default());
                    self.request_attack_and_sweep();
                }
                Command::Reload { frame, window } => {
                    if let Some(source) = self.scan_source.clone() {
                        self.open_scan(source, LoadOptions { frame, window });
                        self.request_attack_and_sweep();
                    }
                }
                Command::PickScan => {
                    self.dialog = Some(PendingDialog::open(DialogPurpose::OpenScan));
                }
                Command::PickWeights => {
                    self.dialog = Some(PendingDialog::open(DialogPurpose::OpenWeights));
                }
                Command::LoadWeights(path) => self.load_weights(&path),
                Command::SelectModel(name) => {
                    self.status.busy = Some(format!("loading {name}…"));
                    self.worker.send(WorkerRequest::LoadShippedModel(name));
                    self.request_attack_and_sweep();
                }
                Command::SetEpsilon { epsilon, run } => {
                    let attack = &mut self.settings.spec.attack;
                    let limit = epsilon_limit(attack.norm(), self.settings.max_epsilon_255);
                    attack.epsilon = epsilon.clamp(0.0, limit);
                    if run {
                        self.request_attack();
                    }
                }
                Command::AttackChanged { run, sweep } => {
                    if run {
                        self.request_attack();
                    }
                    if sweep {
                        self.request_sweep();
                    }
                }
                Command::Cancel => {
                    self.worker.cancel_attack();
                    self.status.awaiting_result = false;
                    self.status.running = false;
                    self.status.progress = None;
                }
                Command::Export(None) => {
                    self.dialog = Some(PendingDialog::open(DialogPurpose::ExportFolder));
                }
                Command::Export(Some(folder)) => self.export(&folder),
                Command::TogglePresentation => {
                    self.settings.presentation = !self.settings.presentation;
                }
                Command::ToggleHelp => self.show_help = !self.show_help,
                Command::DismissErrors => self.errors.clear(),
            }
        }
        if let Some((purpose, answer)) = self.dialog.as_ref().and_then(PendingDialog::poll) {
            self.dialog = None;
            if let Some(path) = answer {
                match purpose {
                    DialogPurpose::OpenScan => self.commands.push(Command::OpenScan(path)),
                    DialogPurpose::OpenWeights => self.load_weights(&path),
                    DialogPurpose::ExportFolder => self.commands.push(Command::Export(Some(path))),
                }
                ctx.request_repaint();
            }
        } else if self.dialog.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn load_weights(&mut self, weights: &Path) {
        let card_path = weights.with_extension("json");
        let card = if card_path.is_file() {
            match ModelCard::load(&card_path) {
                Ok(card) => card,
                Err(err) => {
                    return self
                        .errors
                        .push(format!("Error reading the model card: {err}"));
                }
            }
        } else if let Some(current) = &self.card {
            let mut card = current.clone();
            card.name = weights.file_stem().map_or_else(
                || "custom".to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            card
        } else {
            return self.errors.push(
                "Load a model first, or put a model card (.json) beside the weights".to_string(),
            );
        };
        self.status.busy = Some("loading weights…".to_string());
        self.worker.send(WorkerRequest::LoadWeights {
            weights: weights.to_path_buf(),
            card: Box::new(card),
        });
        self.request_attack_and_sweep();
    }

    fn export(&mut self, folder: &Path) {
        let (Some(result), Some(card), Some(scan)) = (&self.result, &self.card, &self.scan) else {
            return self
                .errors
                .push("Nothing to export yet: wait for a result".to_string());
        };
        let context = export_files::ExportContext {
            result,
            card,
            scan,
            scan_source: self.scan_source.as_ref(),
            load_options: self.load_options,
            sweep: self.sweep.as_ref(),
            opacity: self.settings.overlay_opacity,
            true_label: self.settings.spec.true_label,
        };
        match export_files::export_all(&context, folder) {
            Ok(()) => self.last_export = Some(folder.display().to_string()),
            Err(err) => self.errors.push(format!("Error exporting: {err}")),
        }
    }
}

/// ε range and number of points of the sweep for an attack.
pub(super) fn sweep_range(attack: &AttackConfig, max_epsilon_255: f32) -> (f64, usize) {
    let max = epsilon_limit(attack.norm(), max_epsilon_255);
    let points = match attack.kind {
        AttackKind::Fgsm => 33,
        AttackKind::Noise => 17,
        _ => 9,
    };
    (max, points)
}
