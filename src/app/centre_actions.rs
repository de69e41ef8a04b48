//! Carrying out the commands on what the centre shows: pinning the current result, the
//! one-click comparison of a shipped model with its robust (or standard) twin, the controls in
//! presentation mode and the region drawn on the original.

use super::compare::{CompareSide, Pinned, robust_twin};
use super::session::Session;
use super::{AdvlensApp, Command};
use crate::worker::WorkerRequest;

impl Session {
    /// The current result as one side of a comparison (none before a result arrives).
    #[must_use]
    pub fn current_side(&self) -> Option<CompareSide> {
        self.result.as_ref().map(|result| CompareSide {
            result: result.clone(),
            model: self.settings.model.clone(),
            classes: self.classes(),
        })
    }

    /// The twin of the current model, when one is shipped.
    #[must_use]
    pub fn twin(&self) -> Option<String> {
        robust_twin(
            &self.settings.model,
            self.models.iter().map(|m| m.name.as_str()),
        )
    }
}

impl AdvlensApp {
    /// Carries out a command on what the centre shows (compare mode, the controls in
    /// presentation mode, the region drawn on the original); returns it back when it is not
    /// one.
    pub(super) fn apply_compare_command(&mut self, command: Command) -> Option<Command> {
        match command {
            Command::PinResult => self.pin_result(),
            Command::Unpin => self.session.pinned = None,
            Command::CompareWithTwin => self.compare_with_twin(),
            Command::ToggleControls => {
                self.ui_state.controls_in_presentation = !self.ui_state.controls_in_presentation;
            }
            Command::ToggleRegionDrawing => {
                let tool = &mut self.ui_state.view.region_tool;
                tool.drawing = !tool.drawing;
                tool.drag = None;
            }
            Command::SetRegion(region) => {
                self.ui_state.view.region_tool.drawing = false;
                self.session.settings.spec.attack.region = region;
                self.request_attack_and_sweep();
            }
            other => return Some(other),
        }
        None
    }

    /// Pins the current result; without one there is nothing to pin and the window says so.
    pub(super) fn pin_result(&mut self) {
        match self.session.current_side() {
            Some(side) => {
                self.session.pinned = Some(Pinned {
                    side,
                    result_id: self.session.result_id,
                });
            }
            None => self
                .session
                .errors
                .push("Nothing to pin yet: wait for a result".to_string()),
        }
    }

    /// Pins the current result and loads the twin, which then runs the same attack.
    pub(super) fn compare_with_twin(&mut self) {
        let Some(twin) = self.session.twin() else {
            return self.session.errors.push(format!(
                "No robust twin of {} is shipped: pin this result and choose another model to compare",
                self.session.settings.model
            ));
        };
        self.pin_result();
        if self.session.pinned.is_none() {
            return;
        }
        self.session.status.busy = Some(format!("loading {twin}…"));
        self.worker.send(WorkerRequest::LoadShippedModel(twin));
        self.request_attack_and_sweep();
    }
}
