//! Plain records a model card carries, produced higher up: the feature-squeezing detector's
//! calibration (`eval::calibrate_detector`, with the scores from `defenses`) and the
//! robustness tables (`eval::evaluate_robustness`; their Markdown and CSV in `eval/table.rs`).
//! They live here, at the card's level, so that the card depends on nothing above `models`.

use serde::{Deserialize, Serialize};

/// A calibrated detector, stored in the model card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorCalibration {
    /// The squeezers used.
    pub squeezers: Vec<String>,
    /// Scores above this are flagged.
    pub threshold: f32,
    /// The false-positive rate it was calibrated for.
    pub target_fpr: f32,
    /// Clean images it was calibrated on (validation split).
    pub calibration_images: usize,
    /// False-positive rate measured on clean test images.
    pub test_fpr: f32,
    /// Clean test images that rate was measured on.
    pub test_images: usize,
}

impl DetectorCalibration {
    /// Whether a score is flagged as adversarial.
    #[must_use]
    pub fn flags(&self, score: f32) -> bool {
        score > self.threshold
    }
}

/// Accuracy under one attack at every ε of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustnessRow {
    /// The attack, in words (`FGSM`, `PGD-20`).
    pub attack: String,
    /// Accuracy at each ε, in the table's order.
    pub accuracy: Vec<f32>,
    /// For a minimal attack (DeepFool, C&W): the perturbation sizes it needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed: Option<NeededNorm>,
}

/// How large a minimal attack's perturbations had to be, over the images it attacked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeededNorm {
    /// The norm the sizes are measured in: `linf`, `l2`, or `l0` (pixels changed).
    pub norm: String,
    /// Median size over the images it flipped (`None` when it flipped none).
    pub median: Option<f64>,
    /// Images it flipped.
    pub flipped: usize,
    /// Images it attacked (those classified correctly before the attack).
    pub attacked: usize,
}

/// Accuracy per attack per ε for one model and defence setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustnessTable {
    /// The model.
    pub model: String,
    /// The images, in words.
    pub source: String,
    /// How many images.
    pub images: usize,
    /// The defence, in words (`None` for the bare model).
    pub defense: Option<String>,
    /// Whether the attacks went through the defence.
    pub adaptive: bool,
    /// What the gradient attacks differentiated, in words (exact, BPDA, EOT over N draws);
    /// absent in tables written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gradient: Option<String>,
    /// The region the attacks were confined to (`left,top,right,bottom`), when they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The ε values (L∞, [0, 1] scale).
    pub epsilons: Vec<f64>,
    /// One row per attack.
    pub rows: Vec<RobustnessRow>,
    /// Wall time of the evaluation.
    pub seconds: f64,
    /// The device, in words.
    pub device: String,
}

impl RobustnessTable {
    /// The setting in words: "no defence", "JPEG quality 75 (adaptive attack)", ….
    #[must_use]
    pub fn setting(&self) -> String {
        let region = self
            .region
            .as_ref()
            .map(|region| format!("; attacks confined to the region {region}"))
            .unwrap_or_default();
        let defense = match &self.defense {
            None => "no defence".to_string(),
            Some(defense) if self.adaptive => match &self.gradient {
                Some(gradient) => format!("{defense}, adaptive attack: {gradient}"),
                None => format!("{defense}, adaptive attack"),
            },
            Some(defense) => format!("{defense}, attack unaware of it"),
        };
        format!("{defense}{region}")
    }
}
