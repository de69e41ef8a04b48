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
            seconds: 0.0,
            history: Vec::new(),
        }
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
