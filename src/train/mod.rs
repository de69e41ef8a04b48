//! Training the shipped classifiers from `../shared/datasets`: seeded shuffling and
//! augmentation, `AdamW` with a cosine schedule, class-balanced cross-entropy, the best epoch on
//! validation kept, a checkpoint after every epoch (so a stopped run resumes), and a model card
//! with validation and test figures at the end.

mod augment;
mod checkpoint;
mod evaluate;
mod loss;
mod trainer;

pub use augment::Augmentation;
pub use evaluate::{Evaluation, evaluate_split};
pub use trainer::{TrainConfig, TrainError, TrainEvent, TrainOutcome, train_model};
