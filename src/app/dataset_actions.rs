//! What the app does for the data-set view: starting and cancelling an evaluation, taking in
//! its partial and final records, opening an evaluated scan in the workbench, and writing the
//! report.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use super::commands::Tab;
use super::dataset_session::EvaluationProgress;
use super::dialogs::{DialogPurpose, PendingDialog};
use super::{AdvlensApp, Command};
use crate::attacks::{AttackConfig, format_epsilon};
use crate::eval::{EvalPlan, Fragility, ImageSource};
use crate::export::{EvalReportInput, grey16_png_bytes, write_eval_report};
use crate::imaging::LoadOptions;
use crate::worker::{EvaluationEvent, EvaluationRequest, ScanSource, WorkerRequest};

impl AdvlensApp {
    /// Carries out a data-set command; returns it back when it is not one.
    pub(super) fn apply_dataset_command(&mut self, command: Command) -> Option<Command> {
        match command {
            Command::ShowTab(tab) => self.ui_state.tab = tab,
            Command::RunEvaluation => self.start_evaluation(),
            Command::CancelEvaluation => self.evaluator.cancel(),
            Command::ChooseEvaluationAttack(attack) => self.session.dataset.attack = Some(attack),
            Command::PickEvaluationFolder => {
                self.ui_state.dialog = Some(PendingDialog::open(DialogPurpose::EvaluationFolder));
            }
            Command::OpenEvaluatedScan { evaluation, record } => {
                self.open_evaluated_scan(evaluation, record);
            }
            Command::ExportReport(None) => {
                self.ui_state.dialog = Some(PendingDialog::open(DialogPurpose::SaveReport));
            }
            Command::ExportReport(Some(path)) => self.export_report(&path),
            other => return Some(other),
        }
        None
    }

    /// The evaluation request the view's settings describe.
    fn evaluation_request(&self) -> Result<EvaluationRequest, String> {
        let settings = &self.session.settings;
        let choices = &settings.dataset;
        if choices.attacks.is_empty() {
            return Err("choose at least one attack".to_string());
        }
        let epsilons = choices.epsilon_grid()?;
        let attacks = choices
            .attacks
            .iter()
            .map(|&kind| {
                let steps = if choices.steps == 0 {
                    kind.default_steps()
                } else {
                    choices.steps
                };
                let config = AttackConfig::new(kind, 0.0)
                    .with_steps(steps)
                    .with_seed(settings.spec.attack.seed);
                config
                    .validate(usize::MAX)
                    .map(|()| config)
                    .map_err(|err| err.to_string())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let defense = settings
            .spec
            .defense
            .clone()
            .filter(|_| choices.through_defense);
        let batch_size = match choices.batch_size {
            0 => self
                .session
                .models
                .iter()
                .find(|m| m.name == settings.model)
                .map_or(16, |m| m.card.spec.arch.evaluation_batch_size()),
            chosen => chosen,
        };
        let mut models = vec![settings.model.clone()];
        models.extend(choices.compare.clone().filter(|c| *c != settings.model));
        Ok(EvaluationRequest {
            models,
            images: ImageSource {
                data: choices.folder.clone(),
                datasets: None,
                split: choices.split.clone(),
                limit: Some(choices.limit.max(1)),
            },
            plan: EvalPlan {
                attacks,
                epsilons,
                adaptive: settings.spec.adaptive && defense.is_some(),
                defense,
                batch_size,
            },
        })
    }

    fn start_evaluation(&mut self) {
        let started = self.evaluation_request().and_then(|request| {
            let models = request.models.len();
            let total = request.images.limit.unwrap_or(0);
            self.evaluator.start(request).map(|()| (models, total))
        });
        match started {
            Ok((models, total)) => {
                let now = Instant::now();
                self.session.dataset.evaluations.clear();
                self.session.dataset.revision += 1;
                self.session.dataset.run += 1;
                self.session.dataset.progress = Some(EvaluationProgress {
                    model: 0,
                    models,
                    done: 0,
                    total,
                    started: now,
                    model_started: now,
                });
            }
            Err(message) => self
                .session
                .errors
                .push(format!("Error starting the evaluation: {message}")),
        }
    }

    /// Takes in what the running evaluation reported.
    pub(super) fn handle_evaluation_events(&mut self) {
        for event in self.evaluator.poll() {
            let dataset = &mut self.session.dataset;
            match event {
                EvaluationEvent::Counted { model, done, total } => {
                    if let Some(progress) = &mut dataset.progress {
                        if progress.model != model {
                            progress.model = model;
                            progress.model_started = Instant::now();
                        }
                        progress.done = done;
                        progress.total = total;
                    }
                }
                EvaluationEvent::Progress { model, evaluation } => {
                    dataset.evaluations.truncate(model);
                    dataset.evaluations.push(evaluation);
                    dataset.revision += 1;
                }
                EvaluationEvent::Finished(evaluations) => {
                    dataset.evaluations = evaluations;
                    dataset.progress = None;
                    dataset.revision += 1;
                }
                EvaluationEvent::Failed(message) => {
                    dataset.progress = None;
                    self.session
                        .errors
                        .push(format!("Error evaluating the data set: {message}"));
                }
            }
        }
    }

    /// Opens record `record` of evaluation `evaluation` in the workbench, attacked as it was
    /// evaluated, at the ε that flips it (the confusion matrices' ε when it held).
    fn open_evaluated_scan(&mut self, evaluation: usize, record: usize) {
        let dataset = &self.session.dataset;
        let Some(source) = dataset.evaluations.get(evaluation).cloned() else {
            return;
        };
        let (Some(scan), Some(pixels)) = (source.records.get(record), source.originals.get(record))
        else {
            return;
        };
        let attack = dataset.shown_attack();
        let [height, width] = source.size;
        let bytes = match grey16_png_bytes(width as u32, height as u32, pixels.clone()) {
            Ok(bytes) => bytes,
            Err(err) => {
                return self
                    .session
                    .errors
                    .push(format!("Error opening the scan: {err}"));
            }
        };
        let epsilon = match source.fragility(scan, attack) {
            Fragility::FlipsAt(epsilon) => epsilon,
            Fragility::AlreadyWrong | Fragility::Holds => {
                source.epsilons[dataset.confusion_epsilon()]
            }
        };
        let name = format!(
            "scan #{} ({}) at ε {}.png",
            scan.index + 1,
            source.classes[scan.label],
            format_epsilon(epsilon)
        );
        let settings = &mut self.session.settings;
        settings.spec.attack = AttackConfig {
            epsilon,
            ..source.attacks[attack].config.clone()
        };
        settings.spec.true_label = Some(scan.label);
        if settings.model != source.model {
            settings.model.clone_from(&source.model);
            self.worker
                .send(WorkerRequest::LoadShippedModel(source.model.clone()));
        }
        self.ui_state.tab = Tab::Workbench;
        self.open_scan(
            ScanSource::Bytes {
                name,
                bytes: Arc::new(bytes),
            },
            LoadOptions::default(),
        );
        self.request_attack_and_sweep();
    }

    fn export_report(&mut self, path: &Path) {
        let dataset = &self.session.dataset;
        if dataset.evaluations.is_empty() {
            return self
                .session
                .errors
                .push("Nothing to report yet: run an evaluation first".to_string());
        }
        let evaluations: Vec<_> = dataset
            .evaluations
            .iter()
            .map(|e| e.as_ref().clone())
            .collect();
        let input = EvalReportInput {
            evaluations: &evaluations,
            attack: dataset.shown_attack(),
            epsilon: dataset.confusion_epsilon(),
        };
        match write_eval_report(path, &input) {
            Ok(_) => self.session.dataset.last_report = Some(path.display().to_string()),
            Err(err) => self
                .session
                .errors
                .push(format!("Error writing the report: {err}")),
        }
    }
}
