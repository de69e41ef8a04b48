//! Segmenter cards: how a U-Net was trained and how well it segments (Dice, IoU, mean IoU and
//! the head-circumference error in millimetres on validation and test), as JSON beside its
//! weights, plus a Markdown page for people.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::SegmentationTask;
use crate::models::{
    DatasetInfo, InputNorm, InputNormalization, ModelError, UNet, UNetConfig, read_card,
};

/// Everything that defines a segmenter apart from its weights.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SegmenterSpec {
    /// The task (what the foreground is).
    pub task: SegmentationTask,
    /// Channels of the U-Net's four levels.
    pub widths: [usize; 4],
    /// Input side in pixels (square, single channel, divisible by 8).
    pub input_size: usize,
    /// Mean subtracted from [0, 1] pixels inside the model.
    pub input_mean: f32,
    /// Standard deviation divided out inside the model.
    pub input_std: f32,
    /// Data-set statistics or per-image standardisation.
    #[serde(default)]
    pub input_norm: InputNorm,
}

impl SegmenterSpec {
    /// Builds the untrained U-Net.
    #[must_use]
    pub fn init(&self, device: &burn::tensor::Device) -> UNet {
        UNetConfig::new()
            .with_widths(self.widths)
            .with_input(InputNormalization {
                norm: self.input_norm,
                mean: self.input_mean,
                std: self.input_std,
            })
            .init(device)
    }
}

/// How well a segmenter does on a split (or under an attack).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SegmentationScores {
    /// Images scored.
    pub images: usize,
    /// Mean Dice of the foreground.
    pub dice: f32,
    /// Median Dice.
    pub dice_median: f32,
    /// Mean IoU of the foreground.
    pub iou: f32,
    /// Mean over images of the mean IoU of foreground and background.
    pub mean_iou: f32,
    /// Median 95th-percentile Hausdorff distance in pixels, over the images where both masks
    /// are non-empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hd95_median_px: Option<f32>,
    /// Median absolute head-circumference error against the official measurement, in mm
    /// (images whose metadata gives a pixel size; none without metadata).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hc_error_mm_median: Option<f32>,
    /// Mean of the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hc_error_mm_mean: Option<f32>,
}

/// The Dice of the first test images, so that a test can check that the shipped weights still
/// give them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiceCheck {
    /// Which split.
    pub split: String,
    /// Dice of each of its first images.
    pub dice: Vec<f32>,
}

/// Everything we record about a trained segmenter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmenterCard {
    /// Short name, also the file stem in `assets/segmenters/`.
    pub name: String,
    /// Architecture, task and input normalisation.
    pub spec: SegmenterSpec,
    /// Training data.
    pub dataset: DatasetInfo,
    /// Seed of every random choice in training.
    pub seed: u64,
    /// Epochs run.
    pub epochs: usize,
    /// The epoch (1-based) whose weights were kept (best validation Dice).
    pub best_epoch: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// The augmentation in words.
    pub augmentation: String,
    /// The training loss in words.
    pub loss: String,
    /// Adversarial training, in words, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adversarial_training: Option<String>,
    /// Scores on the validation split.
    pub val: SegmentationScores,
    /// Scores on the test split.
    pub test: SegmentationScores,
    /// Per-image Dice on the first test images.
    pub sample_check: DiceCheck,
    /// Training wall time in seconds.
    pub train_seconds: f64,
    /// Device used for training.
    pub train_device: String,
    /// advlens version that trained it.
    pub trained_with: String,
    /// The git commit of the advlens that trained it.
    pub commit: String,
    /// The `advlens train …` command that reproduces it.
    pub command: String,
    /// One line per epoch.
    #[serde(default)]
    pub history: Vec<String>,
}

impl SegmenterCard {
    /// Reads a card from JSON.
    ///
    /// # Errors
    /// [`ModelError::File`] or [`ModelError::InvalidCard`].
    pub fn load(path: &Path) -> Result<Self, ModelError> {
        read_card(path, "reading the segmenter card")
    }

    /// Writes the card as JSON at `json_path` and as Markdown beside it.
    ///
    /// # Errors
    /// [`ModelError::File`] when a file cannot be written.
    pub fn save(&self, json_path: &Path) -> Result<(), ModelError> {
        let write = |path: &Path, text: String| {
            std::fs::write(path, text).map_err(|err| ModelError::File {
                action: "writing the segmenter card",
                reason: err.to_string(),
                path: path.display().to_string(),
            })
        };
        let json = serde_json::to_string_pretty(self).map_err(|err| ModelError::InvalidCard {
            reason: err.to_string(),
            path: json_path.display().to_string(),
        })?;
        write(json_path, json + "\n")?;
        write(&json_path.with_extension("md"), self.markdown())
    }

    /// The card as a short Markdown page.
    #[must_use]
    pub fn markdown(&self) -> String {
        let row = |split: &str, s: &SegmentationScores| {
            let mm = |v: Option<f32>| v.map_or_else(|| "–".to_string(), |v| format!("{v:.2}"));
            format!(
                "| {split} | {} | {:.4} | {:.4} | {:.4} | {:.4} | {} | {} |\n",
                s.images,
                s.dice,
                s.dice_median,
                s.iou,
                s.mean_iou,
                mm(s.hc_error_mm_median),
                mm(s.hc_error_mm_mean)
            )
        };
        let mut text = format!(
            "# Segmenter card: {}\n\n- Task: {} segmentation (one foreground logit per pixel)\n- Network: U-Net, widths {:?}, input {}×{}, input normalisation {:?}\n- Data: `{}` (SHA-256 `{}`), {} / {} / {} images (train / val / test)\n- Training: {} epochs (best: {}), batch {}, peak learning rate {}, seed {}; loss {}\n- Augmentation: {}\n",
            self.name,
            self.spec.task.foreground(),
            self.spec.widths,
            self.spec.input_size,
            self.spec.input_size,
            self.spec.input_norm,
            self.dataset.file,
            self.dataset.sha256,
            self.dataset.split_sizes[0],
            self.dataset.split_sizes[1],
            self.dataset.split_sizes[2],
            self.epochs,
            self.best_epoch,
            self.batch_size,
            self.learning_rate,
            self.seed,
            self.loss,
            self.augmentation,
        );
        if let Some(adversarial) = &self.adversarial_training {
            let _ = writeln!(text, "- Adversarial training: {adversarial}");
        }
        let _ = write!(
            text,
            "- Trained in {:.0} s on {} with advlens {} (commit {})\n- Reproduce: `{}`\n\n## How well it segments\n\n| split | images | Dice | median Dice | IoU | mIoU | HC error median (mm) | HC error mean (mm) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
            self.train_seconds, self.train_device, self.trained_with, self.commit, self.command
        );
        text.push_str(&row("val", &self.val));
        text.push_str(&row("test", &self.test));
        text.push_str("\nHC: head circumference, the Ramanujan perimeter of an ellipse fitted to the largest piece of the predicted mask, times the pixel size, against the challenge's official measurement.\n");
        text
    }
}
