//! Checkpoints after every epoch so that a stopped run resumes: the current weights, the
//! optimizer state, the best weights so far and a small JSON with the counters.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Counters saved with a checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckpointState {
    /// Epochs completed.
    pub epochs_done: usize,
    /// Best validation accuracy so far.
    pub best_val_accuracy: f32,
    /// The epoch (1-based) that reached it.
    pub best_epoch: usize,
    /// That epoch's clean validation accuracy, when the selection metric is another (under
    /// the training attack or noise).
    #[serde(default)]
    pub best_clean_accuracy: Option<f32>,
    /// Training seconds spent so far.
    pub seconds: f64,
    /// One line per finished epoch.
    pub history: Vec<String>,
}

impl CheckpointState {
    /// The counters of a run that has not started.
    #[must_use]
    pub fn fresh() -> Self {
        Self {
            epochs_done: 0,
            best_val_accuracy: -1.0,
            best_epoch: 0,
            best_clean_accuracy: None,
            seconds: 0.0,
            history: Vec::new(),
        }
    }

    /// Whether an epoch with this selection accuracy (and clean accuracy, when the selection
    /// metric is another) beats the best so far. The higher selection accuracy wins; with a
    /// floor on clean accuracy, an epoch at or above the floor beats every epoch below it,
    /// and among epochs below it the one with more clean accuracy wins (the nearest to the
    /// budget).
    #[must_use]
    pub fn is_better(&self, selection: f32, clean: Option<f32>, floor: Option<f32>) -> bool {
        let (Some(floor), Some(clean)) = (floor, clean) else {
            return selection > self.best_val_accuracy;
        };
        if self.best_epoch == 0 {
            return true;
        }
        let best_clean = self.best_clean_accuracy.unwrap_or(f32::NEG_INFINITY);
        match (clean >= floor, best_clean >= floor) {
            (true, true) => selection > self.best_val_accuracy,
            (true, false) => true,
            (false, true) => false,
            (false, false) => clean > best_clean,
        }
    }

    /// Whether the chosen epoch's clean accuracy reaches `floor`.
    #[must_use]
    pub fn meets_floor(&self, floor: f32) -> bool {
        self.best_clean_accuracy.is_some_and(|clean| clean >= floor)
    }
}

/// File names inside a checkpoint directory.
pub struct CheckpointFiles {
    /// Current weights.
    pub current: PathBuf,
    /// Optimizer state.
    pub optimizer: PathBuf,
    /// Best weights so far.
    pub best: PathBuf,
    /// Counters.
    pub state: PathBuf,
    dir: PathBuf,
}

impl CheckpointFiles {
    /// The files under `dir`.
    #[must_use]
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            current: dir.join("current.safetensors"),
            optimizer: dir.join("optimizer.bin"),
            best: dir.join("best.safetensors"),
            state: dir.join("state.json"),
            dir: dir.to_path_buf(),
        }
    }

    /// The weights at the end of epoch `epoch` (kept for weight averaging only).
    #[must_use]
    pub fn epoch(&self, epoch: usize) -> PathBuf {
        self.dir.join(format!("epoch-{epoch}.safetensors"))
    }

    /// The weight-averaged model.
    #[must_use]
    pub fn averaged(&self) -> PathBuf {
        self.dir.join("averaged.safetensors")
    }

    /// Reads the counters, if a checkpoint exists.
    #[must_use]
    pub fn read_state(&self) -> Option<CheckpointState> {
        let text = std::fs::read_to_string(&self.state).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Writes the counters (atomically).
    ///
    /// # Errors
    /// The I/O error as text.
    pub fn write_state(&self, state: &CheckpointState) -> Result<(), String> {
        let text = serde_json::to_string_pretty(state).map_err(|err| err.to_string())?;
        let temporary = self.state.with_extension("json.tmp");
        std::fs::write(&temporary, text).map_err(|err| err.to_string())?;
        std::fs::rename(&temporary, &self.state).map_err(|err| err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::CheckpointState;

    fn after(epochs: &[(f32, f32)], floor: Option<f32>) -> usize {
        let mut state = CheckpointState::fresh();
        for (index, &(selection, clean)) in epochs.iter().enumerate() {
            if state.is_better(selection, Some(clean), floor) {
                state.best_val_accuracy = selection;
                state.best_epoch = index + 1;
                state.best_clean_accuracy = Some(clean);
            }
        }
        state.best_epoch
    }

    #[test]
    fn without_a_floor_the_selection_accuracy_decides() {
        assert_eq!(after(&[(0.3, 0.9), (0.5, 0.7), (0.4, 0.8)], None), 2);
    }

    #[test]
    fn with_a_floor_the_most_robust_epoch_that_reaches_it_wins() {
        let epochs = [(0.3, 0.9), (0.5, 0.7), (0.4, 0.85), (0.35, 0.84)];
        assert_eq!(after(&epochs, Some(0.84)), 3);
        // An epoch below the floor never displaces one above it, however robust.
        assert_eq!(after(&[(0.2, 0.9), (0.9, 0.5)], Some(0.84)), 1);
        // None reaches it: the one nearest to it.
        assert_eq!(after(&[(0.5, 0.7), (0.3, 0.8), (0.6, 0.75)], Some(0.84)), 2);
    }
}
