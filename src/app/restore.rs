//! Putting a recorded run back on screen — a lecture scenario or a history entry: its model,
//! attack, defence and explanation, and its scan read the same way — after checking that the
//! model is installed and the scan is still there, so that a missing piece changes nothing.

use std::path::PathBuf;

use super::{AdvlensApp, Tab};
use crate::imaging::LoadOptions;
use crate::pipeline::AttackSpec;
use crate::worker::{ScanSource, WorkerRequest};

impl AdvlensApp {
    /// Restores a run; on a missing model or scan returns why and changes nothing.
    pub(super) fn restore_run(
        &mut self,
        model: &str,
        spec: &AttackSpec,
        scan: PathBuf,
        options: LoadOptions,
    ) -> Result<(), String> {
        if !self.session.models.iter().any(|m| m.name == model) {
            return Err(format!("the model '{model}' is not installed"));
        }
        if !scan.is_file() {
            return Err(format!("the scan {} is no longer there", scan.display()));
        }
        let settings = &mut self.session.settings;
        settings.spec = spec.clone();
        if settings.model != model {
            settings.model = model.to_string();
            self.worker
                .send(WorkerRequest::LoadShippedModel(model.to_string()));
        }
        self.ui_state.tab = Tab::Workbench;
        self.open_scan(ScanSource::Path(scan), options);
        self.request_attack_and_sweep();
        Ok(())
    }

    /// Restores history entry `index` (0: the newest).
    pub(super) fn restore_history(&mut self, index: usize) {
        let Some(entry) = self.session.settings.history.get(index).cloned() else {
            return;
        };
        if let Err(why) = self.restore_run(
            &entry.model,
            &entry.spec,
            entry.scan.clone(),
            entry.load_options(),
        ) {
            self.session.errors.push(format!(
                "Could not restore that result: {why}; nothing was changed"
            ));
        }
    }
}
