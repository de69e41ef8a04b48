//! What the app does for the lecture mode: stepping through scenarios (each restores its scan,
//! model, attack, defence and views — in the segmentation view for a segmenter's scenario —
//! then checks its result against the recording), opening a scenario file, and saving the
//! current state (the workbench's or the segmentation view's) as a new one.

use std::path::{Path, PathBuf};

use super::dialogs::{DialogPurpose, PendingDialog};
use super::lecture::Reproduction;
use super::{AdvlensApp, Command, Tab};
use crate::resources::{Resource, locate};
use crate::scenarios::{Scenario, ScenarioFile, ScenarioRecipe, ScenarioView, bundled_scenarios};
use crate::segment::SegmentationRecipe;
use crate::worker::ScanSource;

impl AdvlensApp {
    /// Carries out a lecture command; returns it back when it is not one.
    pub(super) fn apply_lecture_command(&mut self, command: Command) -> Option<Command> {
        match command {
            Command::ToggleLecture => {
                let lecture = &mut self.session.lecture;
                lecture.shown = !lecture.shown;
                if lecture.shown && lecture.scenarios.is_empty() {
                    match bundled_scenarios() {
                        Ok(scenarios) => lecture.scenarios = scenarios,
                        Err(err) => self
                            .session
                            .errors
                            .push(format!("Error reading the bundled scenarios: {err}")),
                    }
                }
                if !self.session.lecture.shown {
                    self.session.lecture.views.clear();
                }
            }
            Command::StepScenario(step) => {
                let count = self.session.lecture.scenarios.len() as i64;
                if count > 0 {
                    let next = self
                        .session
                        .lecture
                        .current
                        .map_or(0, |c| c as i64 + i64::from(step))
                        .clamp(0, count - 1);
                    self.open_scenario(next as usize);
                }
            }
            Command::OpenScenario(index) => self.open_scenario(index),
            Command::PickScenario => {
                self.ui_state.dialog = Some(PendingDialog::open(DialogPurpose::OpenScenario));
            }
            Command::LoadScenario(path) => match Scenario::load(&path) {
                Ok(scenario) => {
                    let lecture = &mut self.session.lecture;
                    lecture.shown = true;
                    lecture.scenarios.push(ScenarioFile { path, scenario });
                    let last = lecture.scenarios.len() - 1;
                    self.open_scenario(last);
                }
                Err(err) => self.session.errors.push(format!("Error: {err}")),
            },
            Command::SaveScenario(None) => {
                self.ui_state.dialog = Some(PendingDialog::open(DialogPurpose::SaveScenario));
            }
            Command::SaveScenario(Some(path)) => self.save_scenario(&path),
            other => return Some(other),
        }
        None
    }

    /// Shows scenario `index`: checks that its scan and model are here (else says which is
    /// missing and keeps the current state), then restores everything it records.
    fn open_scenario(&mut self, index: usize) {
        let Some(file) = self.session.lecture.scenarios.get(index).cloned() else {
            return;
        };
        let scenario = &file.scenario;
        let scan = match scenario.locate_scan(&file.path) {
            Ok(scan) => scan,
            Err(err) => {
                return self
                    .session
                    .errors
                    .push(format!("{err}; nothing was changed"));
            }
        };
        let restored = match &scenario.recipe {
            ScenarioRecipe::Recipe(recipe) => {
                self.restore_run(&recipe.model, &recipe.spec, scan, recipe.load_options())
            }
            ScenarioRecipe::SegmentationRecipe(recipe) => self.restore_segmentation(recipe, scan),
        };
        if let Err(why) = restored {
            return self.session.errors.push(format!(
                "Scenario '{}' cannot be shown: {why}; nothing was changed",
                scenario.title
            ));
        }
        let opened_after_result = match &scenario.recipe {
            ScenarioRecipe::Recipe(_) => self.session.result_id,
            ScenarioRecipe::SegmentationRecipe(_) => self.session.segmentation.result_id,
        };
        let lecture = &mut self.session.lecture;
        lecture.current = Some(index);
        lecture.reproduction = Some(Reproduction::Waiting);
        lecture.opened_after_result = opened_after_result;
        lecture.views = scenario.views.iter().map(|v| v.view_kind()).collect();
    }

    /// Sets the segmentation view to a segmenter's recipe and shows it; the view sends the
    /// request itself.
    fn restore_segmentation(
        &mut self,
        recipe: &SegmentationRecipe,
        scan: PathBuf,
    ) -> Result<(), String> {
        let view = &mut self.session.segmentation;
        if !view.segmenters.iter().any(|card| card.name == recipe.model) {
            return Err(format!("the segmenter '{}' is not installed", recipe.model));
        }
        let attack = recipe.attack().map_err(|err| err.to_string())?;
        if attack.as_ref().is_some_and(|a| a.step_size.is_some()) {
            return Err("its attack sets a step size, which the view cannot".to_string());
        }
        view.choose_scan(scan);
        let choices = &mut view.choices;
        choices.model.clone_from(&recipe.model);
        choices.use_mask = recipe.mask.is_some();
        if recipe.pixel_size_mm.is_some() {
            choices.pixel_size_mm = recipe.pixel_size_mm;
        }
        choices.defense.clear();
        choices.adaptive = false;
        choices.attack = attack.as_ref().map(|a| a.kind);
        if let Some(attack) = attack {
            choices.loss = attack.loss;
            choices.epsilon_255 = (attack.epsilon * 255.0) as f32;
            choices.steps = attack.steps;
            choices.seed = attack.seed;
            choices.region = attack.region.map_or_else(String::new, |r| r.to_text());
        }
        self.ui_state.tab = Tab::Segmentation;
        Ok(())
    }

    /// Compares a newly arrived result with the recording of the scenario on screen.
    pub(super) fn check_scenario_result(&mut self) {
        let lecture = &self.session.lecture;
        if lecture.reproduction != Some(Reproduction::Waiting) {
            return;
        }
        let Some(file) = lecture.current.and_then(|c| lecture.scenarios.get(c)) else {
            return;
        };
        let verdict = match &file.scenario.recipe {
            ScenarioRecipe::Recipe(_) => self.attack_reproduction(&file.scenario),
            ScenarioRecipe::SegmentationRecipe(recipe) => self.segmentation_reproduction(recipe),
        };
        if verdict.is_some() {
            self.session.lecture.reproduction = verdict;
        }
    }

    /// The verdict on the workbench's newest result, once it is the scenario's own.
    fn attack_reproduction(&self, scenario: &Scenario) -> Option<Reproduction> {
        let ScenarioRecipe::Recipe(recipe) = &scenario.recipe else {
            return None;
        };
        if self.session.result_id == self.session.lecture.opened_after_result {
            return None;
        }
        let result = self.session.result.as_ref()?;
        if scenario.reproduced_by_attack(result) {
            return Some(Reproduction::Exact);
        }
        let expected = &recipe.expected;
        let largest = expected
            .adversarial_probs
            .iter()
            .zip(&result.adversarial_prediction.probs)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        Some(Reproduction::Differs(format!(
            "{} here; the recording said class {} (probabilities differ by up to {largest:.1e}; recorded on {}, now on {})",
            result.adversarial_prediction.class_name,
            expected.adversarial_label,
            expected.device,
            result.device
        )))
    }

    /// The verdict on the segmentation view's newest result, once it answers the request the
    /// scenario's choices make (not one sent before it).
    fn segmentation_reproduction(&self, recipe: &SegmentationRecipe) -> Option<Reproduction> {
        let view = &self.session.segmentation;
        let answered = !view.waiting()
            && view.result_id != self.session.lecture.opened_after_result
            && view.sent.as_ref().map(|(_, job)| job) == view.job().as_ref();
        if !answered {
            return None;
        }
        let (_, result) = view.result.as_ref()?;
        if recipe.reproduced_by(result) {
            return Some(Reproduction::Exact);
        }
        Some(Reproduction::Differs(format!(
            "Dice {:.4} here; the recording said {:.4} (recorded on {}, now on {})",
            result.adversarial_dice,
            recipe.expected.adversarial_dice,
            recipe.expected.device,
            self.session
                .status
                .device
                .as_deref()
                .unwrap_or("this device")
        )))
    }

    /// Saves the state on screen — the workbench's, or the segmentation view's when it is
    /// shown — as a scenario at `path`; a scan (and mask) that is not a bundled sample is copied
    /// beside it, so that the files can be shared together.
    fn save_scenario(&mut self, path: &Path) {
        let parts = if self.ui_state.tab == Tab::Segmentation {
            self.segmentation_scenario_parts()
        } else {
            self.workbench_scenario_parts()
        };
        let (recipe, default_title, files) = match parts {
            Ok(parts) => parts,
            Err(why) => return self.session.errors.push(why),
        };
        let lecture = &self.session.lecture;
        let title = if lecture.draft_title.trim().is_empty() {
            default_title
        } else {
            lecture.draft_title.trim().to_string()
        };
        let scenario = Scenario {
            title,
            narration: lecture.draft_narration.trim().to_string(),
            views: lecture.views.iter().map(|&v| ScenarioView::of(v)).collect(),
            recipe,
        };
        let samples = locate(Resource::SampleData).ok();
        for file in files {
            let bundled = samples
                .as_ref()
                .is_some_and(|samples| file.starts_with(samples));
            let beside = path
                .parent()
                .zip(file.file_name())
                .map(|(folder, name)| folder.join(name));
            if let (false, Some(beside)) = (bundled, beside)
                && beside != file
                && let Err(err) = std::fs::copy(&file, &beside)
            {
                return self.session.errors.push(format!(
                    "Error copying the scan beside the scenario ({}): {err}",
                    beside.display()
                ));
            }
        }
        match scenario.save(path) {
            Ok(()) => {
                self.session.last_export = Some(path.display().to_string());
                let lecture = &mut self.session.lecture;
                lecture.scenarios.push(ScenarioFile {
                    path: path.to_path_buf(),
                    scenario,
                });
                lecture.current = Some(lecture.scenarios.len() - 1);
                lecture.reproduction = Some(Reproduction::Exact);
            }
            Err(err) => self.session.errors.push(format!("Error: {err}")),
        }
    }

    /// The workbench's recipe, a title for it, and the files it needs.
    fn workbench_scenario_parts(&self) -> Result<(ScenarioRecipe, String, Vec<PathBuf>), String> {
        let (Some(result), Some(ScanSource::Path(scan_path))) =
            (&self.session.result, &self.session.scan_source)
        else {
            return Err(
                "Nothing to save yet: a scenario needs a scan opened from a file and its result"
                    .to_string(),
            );
        };
        let recipe = crate::recipe::Recipe::for_result(
            scan_path,
            self.session.load_options,
            &self.session.settings.model,
            &self.session.settings.spec,
            result,
        )
        .map_err(|err| format!("Error: {err}"))?;
        let title = format!("{} on {}", result.attack.row_name(), recipe.scan_file);
        Ok((
            ScenarioRecipe::Recipe(Box::new(recipe)),
            title,
            vec![scan_path.clone()],
        ))
    }

    /// The segmentation view's recipe, a title for it, and the files it needs (scan and mask).
    fn segmentation_scenario_parts(
        &self,
    ) -> Result<(ScenarioRecipe, String, Vec<PathBuf>), String> {
        let view = &self.session.segmentation;
        if !view.choices.defense.is_empty() {
            return Err(
                "A scenario does not hold the segmentation view's defence: clear it to save"
                    .to_string(),
            );
        }
        let nothing = || "Nothing to save yet: wait for the segmentation".to_string();
        let recipe = self
            .segmentation_recipe()
            .ok_or_else(nothing)?
            .map_err(|err| format!("Error: {err}"))?;
        let (_, job) = view.sent.as_ref().ok_or_else(nothing)?;
        let (_, result) = view.result.as_ref().ok_or_else(nothing)?;
        let what = result.attack.as_deref().unwrap_or("segmentation");
        let title = format!("{what} on {}", recipe.scan_file);
        let files = std::iter::once(job.scan.clone())
            .chain(job.mask.clone())
            .collect();
        Ok((
            ScenarioRecipe::SegmentationRecipe(Box::new(recipe)),
            title,
            files,
        ))
    }
}
