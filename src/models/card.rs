//! Model cards: how a model was trained and how well it does, as JSON (read by the app and
//! the tests) and a short Markdown page (read by people).

use std::fmt::Write as _;
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
    pub feature_squeezing: Option<crate::defenses::DetectorCalibration>,
    /// Robustness tables (`advlens eval --update-card`), one per defence setting.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub robustness: Vec<crate::eval::RobustnessTable>,
    /// Training wall time in seconds.
    pub train_seconds: f64,
    /// Device used for training.
    pub train_device: String,
    /// advlens version that trained it.
    pub trained_with: String,
}

impl ModelCard {
    /// Reads a card from JSON.
    ///
    /// # Errors
    /// [`ModelError::File`] or [`ModelError::InvalidCard`].
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|err| ModelError::File {
            action: "reading the model card",
            reason: err.to_string(),
            path: path.display().to_string(),
        })?;
        serde_json::from_str(&text).map_err(|err| ModelError::InvalidCard {
            reason: err.to_string(),
            path: path.display().to_string(),
        })
    }

    /// Writes the JSON card and its Markdown twin (`.md` beside it).
    ///
    /// # Errors
    /// [`ModelError::File`].
    pub fn save(&self, json_path: &Path) -> Result<(), ModelError> {
        let write = |path: &Path, text: String| {
            std::fs::write(path, text).map_err(|err| ModelError::File {
                action: "writing the model card",
                reason: err.to_string(),
                path: path.display().to_string(),
            })
        };
        let json = serde_json::to_string_pretty(self).map_err(|err| ModelError::InvalidCard {
            reason: err.to_string(),
            path: json_path.display().to_string(),
        })?;
        write(json_path, json + "\n")?;
        write(&json_path.with_extension("md"), self.to_markdown())
    }

    /// The card as a short Markdown page.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut text = format!("# Model card: {}\n\n", self.name);
        let _ = writeln!(
            text,
            "- Task: {} (classes: {})",
            self.spec.task,
            self.classes.join(", ")
        );
        let _ = writeln!(
            text,
            "- Architecture: {} at {}×{}, one channel, input normalised inside the model: {}",
            self.spec.arch,
            self.spec.input_size,
            self.spec.input_size,
            match self.spec.input_norm {
                super::InputNorm::Dataset => format!(
                    "data-set statistics (mean {}, std {})",
                    self.spec.input_mean, self.spec.input_std
                ),
                super::InputNorm::PerImage =>
                    "per-image standardisation (zero mean, unit variance)".to_string(),
            }
        );
        let _ = writeln!(
            text,
            "- Data: `{}` (sha256 `{}`), train/val/test = {}/{}/{}",
            self.dataset.file,
            self.dataset.sha256,
            self.dataset.split_sizes[0],
            self.dataset.split_sizes[1],
            self.dataset.split_sizes[2]
        );
        let _ = writeln!(
            text,
            "- Training: seed {}, {} epochs (best on validation: epoch {}), batch {}, learning rate {}, augmentation: {}",
            self.seed,
            self.epochs,
            self.best_epoch,
            self.batch_size,
            self.learning_rate,
            self.augmentation
        );
        if let Some(adversarial) = &self.adversarial_training {
            let _ = writeln!(text, "- Adversarial training: {adversarial}");
        }
        let _ = writeln!(
            text,
            "- Trained in {:.0} s on {} with advlens {}\n",
            self.train_seconds, self.train_device, self.trained_with
        );
        let _ = writeln!(
            text,
            "| split | accuracy |\n|---|---|\n| validation | {:.1}% |\n| **test** | **{:.1}%** |\n",
            100.0 * self.val_accuracy,
            100.0 * self.test_accuracy
        );
        let _ = writeln!(
            text,
            "Test recall per class: {}\n",
            self.classes
                .iter()
                .zip(&self.per_class_recall)
                .map(|(c, r)| format!("{c} {:.1}%", 100.0 * r))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            text,
            "Test confusion matrix (rows: true class, columns: predicted):\n"
        );
        let _ = writeln!(text, "| | {} |", self.classes.join(" | "));
        let _ = writeln!(text, "|---|{}", "---|".repeat(self.classes.len()));
        for (class, row) in self.classes.iter().zip(&self.confusion_matrix) {
            let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
            let _ = writeln!(text, "| {class} | {} |", cells.join(" | "));
        }
        if let Some(detector) = &self.feature_squeezing {
            let _ = writeln!(
                text,
                "\n## Feature-squeezing detector\n\nSqueezers: {}. Threshold {:.4} on the L1 score, calibrated on {} clean validation images for {:.0}% false positives; measured on {} clean test images: {:.1}% false positives.",
                detector.squeezers.join(", "),
                detector.threshold,
                detector.calibration_images,
                100.0 * detector.target_fpr,
                detector.test_images,
                100.0 * detector.test_fpr
            );
        }
        for table in &self.robustness {
            let _ = writeln!(text, "\n{}", table.to_markdown());
        }
        text
    }
}
