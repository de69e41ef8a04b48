//! What the app does for the lecture mode: stepping through scenarios (each restores its scan,
//! model, attack, defence and views, then checks its result against the recording), opening a
//! scenario file, and saving the current state as a new one.

use std::path::Path;

use super::dialogs::{DialogPurpose, PendingDialog};
use super::lecture::Reproduction;
use super::{AdvlensApp, Command};
use crate::resources::{Resource, locate};
use crate::scenarios::{Scenario, ScenarioFile, ScenarioView, bundled_scenarios};
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
        if let Err(why) = self.restore_run(
            &scenario.recipe.model,
            &scenario.recipe.spec,
            scan,
            scenario.recipe.load_options(),
        ) {
            return self.session.errors.push(format!(
                "Scenario '{}' cannot be shown: {why}; nothing was changed",
                scenario.title
            ));
        }
        let lecture = &mut self.session.lecture;
        lecture.current = Some(index);
        lecture.reproduction = Some(Reproduction::Waiting);
        lecture.opened_after_result = self.session.result_id;
        lecture.views = scenario.views.iter().map(|v| v.view_kind()).collect();
    }

    /// Compares a newly arrived result with the recording of the scenario on screen.
    pub(super) fn check_scenario_result(&mut self) {
        let lecture = &mut self.session.lecture;
        if lecture.reproduction != Some(Reproduction::Waiting)
            || self.session.result_id == lecture.opened_after_result
        {
            return;
        }
        let (Some(result), Some(file)) = (
            self.session.result.as_ref(),
            lecture.current.and_then(|c| lecture.scenarios.get(c)),
        ) else {
            return;
        };
        let expected = &file.scenario.recipe.expected;
        lecture.reproduction = Some(if file.scenario.reproduced_by(result) {
            Reproduction::Exact
        } else {
            let largest = expected
                .adversarial_probs
                .iter()
                .zip(&result.adversarial_prediction.probs)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            Reproduction::Differs(format!(
                "{} here; the recording said class {} (probabilities differ by up to {largest:.1e}; recorded on {}, now on {})",
                result.adversarial_prediction.class_name,
                expected.adversarial_label,
                expected.device,
                result.device
            ))
        });
    }

    /// Saves the state on screen as a scenario at `path`; a scan that is not a bundled sample
    /// is copied beside it, so that the pair can be shared.
    fn save_scenario(&mut self, path: &Path) {
        let (Some(result), Some(ScanSource::Path(scan_path))) =
            (&self.session.result, &self.session.scan_source)
        else {
            return self.session.errors.push(
                "Nothing to save yet: a scenario needs a scan opened from a file and its result"
                    .to_string(),
            );
        };
        let recipe = match crate::recipe::Recipe::for_result(
            scan_path,
            self.session.load_options,
            &self.session.settings.model,
            &self.session.settings.spec,
            result,
        ) {
            Ok(recipe) => recipe,
            Err(err) => return self.session.errors.push(format!("Error: {err}")),
        };
        let lecture = &self.session.lecture;
        let title = if lecture.draft_title.trim().is_empty() {
            format!("{} on {}", result.attack.row_name(), recipe.scan_file)
        } else {
            lecture.draft_title.trim().to_string()
        };
        let scenario = Scenario {
            title,
            narration: lecture.draft_narration.trim().to_string(),
            views: lecture.views.iter().map(|&v| ScenarioView::of(v)).collect(),
            recipe,
        };
        let bundled = locate(Resource::SampleData)
            .ok()
            .is_some_and(|samples| scan_path.starts_with(samples));
        let beside = path
            .parent()
            .map(|folder| folder.join(&scenario.recipe.scan_file));
        if let (false, Some(beside)) = (bundled, beside)
            && beside != *scan_path
            && let Err(err) = std::fs::copy(scan_path, &beside)
        {
            return self.session.errors.push(format!(
                "Error copying the scan beside the scenario ({}): {err}",
                beside.display()
            ));
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
}
