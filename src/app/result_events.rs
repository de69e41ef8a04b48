//! What the window does with an attack's result and with the detector's scores that follow
//! it on the slider's path.

use std::sync::Arc;

use super::AdvlensApp;
use super::history::{HistoryEntry, remember};
use crate::pipeline::{AttackResult, Detection};
use crate::worker::ScanSource;

impl AdvlensApp {
    /// Shows an attack's result (when it is the newest request's) and remembers it.
    pub(super) fn attack_done(&mut self, generation: u64, result: Arc<AttackResult>) {
        if generation != self.worker.latest_attack() {
            return;
        }
        if let Some(ScanSource::Path(scan)) = &self.session.scan_source {
            let entry = HistoryEntry::of(
                &result,
                scan.clone(),
                self.session.load_options,
                &self.session.settings.model,
                &self.session.settings.spec,
                &self.session.classes(),
            );
            remember(&mut self.session.settings.history, entry);
        }
        self.session.result = Some(result);
        self.session.result_id += 1;
        self.session.status.awaiting_result = false;
        self.session.status.running = false;
        self.session.status.progress = None;
        self.session.status.busy = None;
    }

    /// Fills in the detector's scores of the result on screen, which came without them.
    pub(super) fn detection_done(&mut self, generation: u64, detection: Option<Detection>) {
        if generation == self.worker.latest_attack()
            && let Some(result) = &mut self.session.result
            && result.detection_pending
        {
            let result = Arc::make_mut(result);
            result.detection = detection;
            result.detection_pending = false;
        }
    }
}
