//! What a training run is asked to do, what it returns and how it fails: the types the loop
//! (`trainer.rs`) and its end (`finish.rs`) share, kept apart so that neither imports the other
//! for them.

use std::path::PathBuf;

use super::adversarial::AdversarialTraining;
use super::augment::Augmentation;
use super::distill::Distillation;
use super::mixing::BatchMixing;
use crate::models::{Architecture, Classifier, InputNorm, ModelCard, ModelError, Task};

/// Errors from training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Saving or loading weights.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Anything else, in words.
    #[error("training failed: {0}")]
    Other(String),
}

/// What to train and how.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Model name (file stem of the outputs).
    pub name: String,
    /// Task.
    pub task: Task,
    /// Architecture.
    pub arch: Architecture,
    /// Epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Peak learning rate (cosine decay after one warm-up epoch).
    pub learning_rate: f64,
    /// `AdamW` weight decay.
    pub weight_decay: f32,
    /// Seed of every random choice.
    pub seed: u64,
    /// Augmentation.
    pub augmentation: Augmentation,
    /// Input normalisation inside the model.
    pub input_norm: InputNorm,
    /// Train on the first N training images only (quick runs).
    pub limit_train: Option<usize>,
    /// Where checkpoints go; an existing checkpoint there is resumed.
    pub checkpoint_dir: PathBuf,
    /// PGD adversarial training, if wanted; the best epoch is then chosen on validation
    /// accuracy under the same attack.
    pub adversarial: Option<AdversarialTraining>,
    /// Weights to start from instead of a random initialisation (adversarial fine-tuning of
    /// a standard model); ignored when a checkpoint is resumed.
    pub init_from: Option<PathBuf>,
    /// Mixup and CutMix of training batches (standard training only: not with `adversarial`).
    pub mixing: BatchMixing,
    /// Label smoothing of the cross-entropy targets, in [0, 1); 0 for one-hot targets.
    pub label_smoothing: f32,
    /// Stochastic weight averaging over this many last epochs (0 for none); the average is
    /// shipped when its validation accuracy (the selection metric) is at least the best
    /// single epoch's.
    pub swa_epochs: usize,
    /// The command that started the run, recorded on the card so that it can be repeated.
    pub command: String,
    /// A floor on clean validation accuracy for choosing the best epoch of an adversarial or
    /// noise run (a clean-accuracy budget): the most accurate epoch under the selection metric
    /// among those at or above it; if none is, the one with the most clean accuracy.
    pub min_clean_accuracy: Option<f32>,
    /// Knowledge distillation from a trained teacher (standard training only: not with
    /// `adversarial`).
    pub distillation: Option<Distillation>,
}

/// The trained model and its card.
#[derive(Debug)]
pub struct TrainOutcome {
    /// The best model on validation, evaluation mode.
    pub model: Classifier,
    /// Its card.
    pub card: ModelCard,
}
