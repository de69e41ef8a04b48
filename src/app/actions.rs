//! What the app does between frames: reacting to the worker's events and carrying out the
//! commands the panels queued (in one place).

use std::path::Path;

use eframe::egui;

use super::dialogs::{DialogAnswer, DialogPurpose, PendingDialog};
use super::session::RunProgress;
use super::{AdvlensApp, Command, export_files};
use crate::attacks::{AttackConfig, AttackKind, UniversalPerturbation, epsilon_limit};
use crate::imaging::LoadOptions;
use crate::models::ModelCard;
use crate::worker::{ScanSource, WorkerEvent, WorkerRequest};

impl AdvlensApp {
    pub(super) fn handle_events(&mut self) {
        for event in self.worker.poll() {
            match event {
                WorkerEvent::DeviceReady(device) => {
                    self.session.status.device = Some(device.description.clone());
                    self.segmenter.set_device((*device).clone());
                    self.evaluator.set_device(*device);
                    self.session.status.busy = Some("loading…".to_string());
                }
                WorkerEvent::ScanLoaded(scan) => {
                    if let Some(ScanSource::Path(path)) = &self.session.scan_source {
                        self.session.settings.remember(path.clone());
                    }
                    self.session.scan = Some(scan);
                    self.session.result = None;
                    self.session.sweep = None;
                    self.session.status.busy = None;
                }
                WorkerEvent::ModelLoaded(card) => {
                    self.session.settings.model.clone_from(&card.name);
                    if self
                        .session
                        .settings
                        .spec
                        .true_label
                        .is_some_and(|label| label >= card.classes.len())
                    {
                        self.session.settings.spec.true_label = None;
                    }
                    self.session.card = Some(*card);
                    self.session.result = None;
                    self.session.sweep = None;
                    self.session.status.busy = None;
                }
                WorkerEvent::Progress {
                    generation,
                    done,
                    total,
                    explaining,
                } if generation == self.worker.latest_attack() => {
                    self.session.status.progress = Some(RunProgress {
                        done,
                        total,
                        explaining,
                    });
                }
                WorkerEvent::Progress { .. } => {}
                WorkerEvent::AttackDone { generation, result } => {
                    self.attack_done(generation, result);
                }
                WorkerEvent::DetectionDone {
                    generation,
                    detection,
                } => self.detection_done(generation, detection),
                WorkerEvent::IterationsReplayed { generation, steps } => {
                    if generation == self.worker.latest_attack() {
                        self.session.status.awaiting_result = false;
                        self.session.status.running = false;
                        self.session.status.progress = None;
                        self.session.replay = Some(super::play::Replay {
                            steps,
                            next: 0,
                            last_step: None,
                        });
                    }
                }
                WorkerEvent::AnimationWritten(path) => {
                    self.session.status.busy = None;
                    self.session.last_export = Some(path.display().to_string());
                }
                WorkerEvent::SweepDone { generation, sweep } => {
                    if generation == self.worker.latest_sweep() {
                        self.session.sweep = Some(sweep);
                        self.session.status.sweeping = false;
                    }
                }
                WorkerEvent::Error { context, message } => {
                    self.session.errors.push(crate::imaging::one_line(&format!(
                        "Error {context}: {message}"
                    )));
                    self.session.status.busy = None;
                    self.session.status.running = false;
                    self.session.status.sweeping = false;
                    self.session.status.awaiting_result = false;
                }
            }
        }
    }

    /// Stops the running attack and forgets that a result was awaited.
    fn cancel_run(&mut self) {
        self.worker.cancel_attack();
        self.session.status.awaiting_result = false;
        self.session.status.running = false;
        self.session.status.progress = None;
    }

    /// Carries out the queued commands.
    pub(super) fn apply(&mut self, ctx: &egui::Context) {
        for command in self.commands.take() {
            let Some(command) = self
                .apply_dataset_command(command)
                .and_then(|command| self.apply_segmentation_command(command))
                .and_then(|command| self.apply_lecture_command(command))
                .and_then(|command| self.apply_playback_command(command))
                .and_then(|command| self.apply_compare_command(command))
            else {
                continue;
            };
            match command {
                Command::OpenScan(path) => {
                    self.open_scan(ScanSource::Path(path), LoadOptions::default());
                    self.request_attack_and_sweep();
                }
                Command::Reload { frame, window } => {
                    if let Some(source) = self.session.scan_source.clone() {
                        self.open_scan(source, LoadOptions { frame, window });
                        self.request_attack_and_sweep();
                    }
                }
                Command::PickScan => {
                    self.ui_state.dialog = Some(PendingDialog::open(DialogPurpose::OpenScan));
                }
                Command::PickWeights => {
                    self.ui_state.dialog = Some(PendingDialog::open(DialogPurpose::OpenWeights));
                }
                Command::LoadWeights(path) => self.load_weights(&path),
                Command::PickUniversal => {
                    self.ui_state.dialog = Some(PendingDialog::open(DialogPurpose::OpenUniversal));
                }
                Command::LoadUniversal(path) => self.load_universal(&path),
                Command::SelectModel(name) => {
                    self.session.status.busy = Some(format!("loading {name}…"));
                    self.worker.send(WorkerRequest::LoadShippedModel(name));
                    self.request_attack_and_sweep();
                }
                Command::SetEpsilon { epsilon, run } => {
                    let attack = &mut self.session.settings.spec.attack;
                    let limit = epsilon_limit(attack.norm(), self.session.settings.max_epsilon_255);
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
                Command::Cancel => self.cancel_run(),
                Command::Export(None) => {
                    self.ui_state.dialog = Some(PendingDialog::open(DialogPurpose::ExportFolder));
                }
                Command::Export(Some(folder)) => self.export(&folder),
                Command::TogglePresentation => {
                    self.session.settings.presentation = !self.session.settings.presentation;
                }
                Command::ToggleHelp => self.ui_state.shown.help = !self.ui_state.shown.help,
                Command::ToggleAbout => self.ui_state.shown.about = !self.ui_state.shown.about,
                Command::DismissErrors => self.session.errors.clear(),
                // Carried out by the `apply_*_command`s above.
                Command::ShowTab(_)
                | Command::PickSegmentationScan
                | Command::OpenSegmentationScan(_)
                | Command::ExportSegmentation(_)
                | Command::RunEvaluation
                | Command::CancelEvaluation
                | Command::ChooseEvaluationAttack(_)
                | Command::PickEvaluationFolder
                | Command::OpenEvaluatedScan { .. }
                | Command::ExportReport(_)
                | Command::ToggleLecture
                | Command::StepScenario(_)
                | Command::OpenScenario(_)
                | Command::PickScenario
                | Command::LoadScenario(_)
                | Command::SaveScenario(_)
                | Command::TogglePlay
                | Command::ToggleReplay
                | Command::PinResult
                | Command::Unpin
                | Command::CompareWithTwin
                | Command::ToggleControls
                | Command::ToggleRegionDrawing
                | Command::SetRegion(_)
                | Command::ExportAnimation(_)
                | Command::ToggleHistory
                | Command::RestoreHistory(_) => {}
            }
        }
        self.handle_dialog_answer(ctx);
    }

    /// Acts on the answer of a file dialog that closed.
    fn handle_dialog_answer(&mut self, ctx: &egui::Context) {
        if let Some((purpose, answer)) = self.ui_state.dialog.as_ref().and_then(PendingDialog::poll)
        {
            self.ui_state.dialog = None;
            if answer == DialogAnswer::Unavailable && !self.ui_state.told_no_dialog {
                self.ui_state.told_no_dialog = true;
                self.session.errors.push(
                    "No file dialog could be shown here (no desktop portal or dialog backend answered): type the path into the field beside the button instead.".to_string(),
                );
            }
            if let DialogAnswer::Chosen(path) = answer {
                match purpose {
                    DialogPurpose::OpenScan => self.commands.push(Command::OpenScan(path)),
                    DialogPurpose::OpenWeights => self.load_weights(&path),
                    DialogPurpose::ExportFolder => self.commands.push(Command::Export(Some(path))),
                    DialogPurpose::OpenUniversal => {
                        self.commands.push(Command::LoadUniversal(path));
                    }
                    DialogPurpose::EvaluationFolder => {
                        self.session.settings.dataset.folder = Some(path);
                    }
                    DialogPurpose::OpenScenario => {
                        self.commands.push(Command::LoadScenario(path));
                    }
                    DialogPurpose::SaveScenario => {
                        self.commands.push(Command::SaveScenario(Some(path)));
                    }
                    DialogPurpose::SaveAnimation => {
                        self.commands.push(Command::ExportAnimation(Some(path)));
                    }
                    DialogPurpose::SaveReport => {
                        self.commands.push(Command::ExportReport(Some(path)));
                    }
                    DialogPurpose::OpenSegmentationScan => {
                        self.commands.push(Command::OpenSegmentationScan(path));
                    }
                    DialogPurpose::SegmentationExportFolder => {
                        self.commands.push(Command::ExportSegmentation(Some(path)));
                    }
                }
                ctx.request_repaint();
            }
        } else if self.ui_state.dialog.is_some() {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    /// Reads a universal perturbation written by `advlens uap` and attacks with it; a file that
    /// is not one leaves the current attack as it was and says why.
    fn load_universal(&mut self, path: &Path) {
        let parsed = std::fs::read_to_string(path)
            .map_err(|err| err.to_string())
            .and_then(|text| {
                serde_json::from_str::<UniversalPerturbation>(&text).map_err(|err| err.to_string())
            });
        match parsed {
            Ok(perturbation) => {
                let attack = &mut self.session.settings.spec.attack;
                attack.kind = AttackKind::Universal;
                attack.universal = Some(perturbation);
                self.request_attack_and_sweep();
            }
            Err(err) => self.session.errors.push(format!(
                "Error loading {}: not a universal perturbation from advlens uap ({err})",
                path.display()
            )),
        }
    }

    fn load_weights(&mut self, weights: &Path) {
        let card_path = weights.with_extension("json");
        let card = if card_path.is_file() {
            match ModelCard::load(&card_path) {
                Ok(card) => card,
                Err(err) => {
                    return self
                        .session
                        .errors
                        .push(format!("Error reading the model card: {err}"));
                }
            }
        } else if let Some(current) = &self.session.card {
            let mut card = current.clone();
            card.name = weights.file_stem().map_or_else(
                || "custom".to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            card
        } else {
            return self.session.errors.push(
                "Load a model first, or put a model card (.json) beside the weights".to_string(),
            );
        };
        self.session.status.busy = Some("loading weights…".to_string());
        self.worker.send(WorkerRequest::LoadWeights {
            weights: weights.to_path_buf(),
            card: Box::new(card),
        });
        self.request_attack_and_sweep();
    }

    fn export(&mut self, folder: &Path) {
        let (Some(result), Some(card), Some(scan)) =
            (&self.session.result, &self.session.card, &self.session.scan)
        else {
            return self
                .session
                .errors
                .push("Nothing to export yet: wait for a result".to_string());
        };
        if result.detection_pending {
            // An export is evidence: it waits for every number the window shows.
            return self.session.errors.push(
                "Not exported: the detector is still scoring this ε; export again in a moment"
                    .to_string(),
            );
        }
        let context = export_files::ExportContext {
            result,
            card,
            scan,
            scan_source: self.session.scan_source.as_ref(),
            load_options: self.session.load_options,
            sweep: self.session.sweep.as_ref(),
            opacity: self.session.settings.overlay_opacity,
            true_label: self.session.settings.spec.true_label,
        };
        match export_files::export_all(&context, folder) {
            Ok(()) => self.session.last_export = Some(folder.display().to_string()),
            Err(err) => self.session.errors.push(format!("Error exporting: {err}")),
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

/// The families that can be swept on the same axes as `attack`: every other family with an ε
/// sweep in the same norm.
#[must_use]
pub(super) fn versus_choices(attack: &AttackConfig) -> Vec<AttackKind> {
    AttackKind::ALL
        .into_iter()
        .filter(|&kind| kind != attack.kind && versus_attack(attack, kind).is_some())
        .collect()
}

/// The second attack of a two-attack sweep: `kind` with its default steps, in `attack`'s norm
/// (the engine gives it `attack`'s seed, target and region); `None` when `kind` has no sweep
/// in that norm or is `attack`'s own family.
#[must_use]
pub(super) fn versus_attack(attack: &AttackConfig, kind: AttackKind) -> Option<AttackConfig> {
    let second = AttackConfig {
        norm_choice: attack.norm(),
        ..AttackConfig::new(kind, attack.epsilon)
    };
    (kind != attack.kind && kind.sweeps() && second.norm() == attack.norm()).then_some(second)
}
