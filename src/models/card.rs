//! Model cards: how a model was trained and how well it does, as JSON (read by the app and
//! the tests). The Markdown page for people and the writer of both files are
//! `eval::card_markdown` and `eval::save_card`, above the robustness tables the page includes.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{ModelError, ModelSpec};

/// The data set a model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetInfo {
    /// File name under `../shared/datasets`.
    pub file: String,
    /// SHA-256 of that file.
    pub sha256: String,
    /// Images per split: train, val, test.
    pub split_sizes: [usize; 3],
}

/// The model's answer on a fixed subset, so a test can check that the shipped weights still
/// reproduce it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleCheck {
    /// Which split the subset comes from.
    pub split: String,
    /// The first `count` images of that split.
    pub count: usize,
    /// Accuracy on them.
    pub accuracy: f32,
    /// Predicted class for each.
    pub predictions: Vec<usize>,
}

/// Everything we record about a trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// Short name, also the file stem in `assets/models/`.
    pub name: String,
    /// Architecture, task and input normalisation.
    pub spec: ModelSpec,
    /// Class names in label order.
    pub classes: Vec<String>,
    /// Training data.
    pub dataset: DatasetInfo,
    /// Seed of every random choice in training.
    pub seed: u64,
    /// Epochs run.
    pub epochs: usize,
    /// The epoch (1-based) whose weights were kept (best validation accuracy).
    pub best_epoch: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// The augmentation in words.
    pub augmentation: String,
    /// Adversarial training, in words, if any.
    #[serde(default)]
    pub adversarial_training: Option<String>,
    /// Accuracy on the validation split.
    pub val_accuracy: f32,
    /// Accuracy on the test split.
    pub test_accuracy: f32,
    /// Recall of each class on the test split.
    pub per_class_recall: Vec<f32>,
    /// Test confusion matrix: `confusion[true][predicted]`.
    pub confusion_matrix: Vec<Vec<usize>>,
    /// Subset answers for the reload test.
    pub sample_check: SampleCheck,
    /// The feature-squeezing detector's calibration (`advlens calibrate`), if done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_squeezing: Option<super::DetectorCalibration>,
    /// Robustness tables (`advlens eval --update-card`), one per defence setting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub robustness: Vec<super::RobustnessTable>,
    /// Training wall time in seconds.
    pub train_seconds: f64,
    /// Device used for training.
    pub train_device: String,
    /// advlens version that trained it.
    pub trained_with: String,
    /// The git commit of the advlens that trained it (absent on older cards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The `advlens train …` command that reproduces it (absent on older cards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// The training loss in words (absent on older cards: class-balanced cross-entropy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<String>,
    /// Weight averaging in words, with the choice it led to, if it was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_averaging: Option<String>,
    /// σ of the Gaussian noise the model was trained with (a base model for randomized
    /// smoothing at that σ); absent for models trained without noise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise_sigma: Option<f32>,
}

impl ModelCard {
    /// Reads a card from JSON.
    ///
    /// # Errors
    /// [`ModelError::File`] or [`ModelError::InvalidCard`].
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        read_card(path, "reading the model card")
    }
}

/// Reads a card of any kind from JSON; `action` names the reading in errors.
///
/// # Errors
/// [`ModelError::File`] or [`ModelError::InvalidCard`].
pub fn read_card<T: serde::de::DeserializeOwned>(
    path: &Path,
    action: &'static str,
) -> Result<T, ModelError> {
    let text = std::fs::read_to_string(path).map_err(|err| ModelError::File {
        action,
        reason: err.to_string(),
        path: path.display().to_string(),
    })?;
    serde_json::from_str(&text).map_err(|err| ModelError::InvalidCard {
        reason: err.to_string(),
        path: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::ModelCard;

    #[test]
    fn a_card_from_before_the_records_moved_still_loads() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/compat/card-v0.1-brain-mri-cnn.json");
        let card = ModelCard::load(&path).unwrap();
        assert_eq!(card.name, "brain-mri-cnn");
        assert!(card.feature_squeezing.is_some());
        assert!(
            card.robustness
                .iter()
                .any(|t| t.adaptive && t.gradient.is_none())
        );
        assert_eq!(
            card.robustness
                .iter()
                .find(|t| t.adaptive)
                .map(crate::models::RobustnessTable::setting)
                .unwrap(),
            "TV denoising, weight 0.08, adaptive attack"
        );
    }
}
