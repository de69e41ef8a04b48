//! Training the shipped classifiers from `../shared/datasets`: seeded shuffling and
//! augmentation, `AdamW` with a cosine schedule, class-balanced cross-entropy, the best epoch on
//! validation kept (robust validation accuracy under PGD or TRADES adversarial training), a checkpoint after every epoch (so a stopped run resumes), and a model card
//! with validation and test figures at the end. Label smoothing, mixup, CutMix, knowledge distillation from a
//! trained teacher and stochastic weight averaging are options.

mod adversarial;
mod augment;
mod batches;
mod checkpoint;
mod config;
mod distill;
mod evaluate;
mod finish;
mod loss;
mod mixing;
mod selection;
mod trades;
mod trainer;
mod weight_average;

pub use adversarial::{AdversarialObjective, AdversarialTraining};
pub use augment::Augmentation;
pub(crate) use augment::bilinear;
pub(crate) use checkpoint::{CheckpointFiles, CheckpointState};
pub use config::{TrainConfig, TrainError, TrainOutcome};
pub use distill::{Distillation, Teacher, soft_target_loss};
pub use evaluate::{BatchTransform, Evaluation, evaluate_split, evaluate_split_with};
pub use mixing::{BatchMixing, MixedLabels};
pub(crate) use trainer::learning_rate_at;
pub use trainer::{TrainEvent, train_model};
