//! The `result.json` of an attack run: plain data, no patient identifiers.

use serde::Serialize;

use crate::attacks::AttackConfig;
use crate::imaging::ScanMetadata;
use crate::pipeline::{AttackResult, Prediction};

/// The scan, as much as a report needs.
#[derive(Debug, Clone, Serialize)]
pub struct ScanReport {
    /// File name.
    pub name: String,
    /// Format.
    pub format: String,
    /// Modality, if DICOM.
    pub modality: Option<String>,
    /// Width × height of the file.
    pub size: [usize; 2],
    /// Frame used.
    pub frame: usize,
    /// Window used (centre, width).
    pub window: [f64; 2],
}

impl ScanReport {
    /// From scan metadata.
    #[must_use]
    pub fn from_metadata(metadata: &ScanMetadata) -> Self {
        Self {
            name: metadata.source_name.clone(),
            format: format!("{:?}", metadata.format).to_lowercase(),
            modality: metadata.modality.clone(),
            size: [metadata.width, metadata.height],
            frame: metadata.frame,
            window: [metadata.window.center, metadata.window.width],
        }
    }
}

/// A prediction for JSON.
#[derive(Debug, Clone, Serialize)]
pub struct PredictionReport {
    /// Class index.
    pub label: usize,
    /// Class name.
    pub class: String,
    /// Probabilities of all classes.
    pub probs: Vec<f32>,
}

impl From<&Prediction> for PredictionReport {
    fn from(prediction: &Prediction) -> Self {
        Self {
            label: prediction.label,
            class: prediction.class_name.clone(),
            probs: prediction.probs.clone(),
        }
    }
}

/// The defended predictions for JSON.
#[derive(Debug, Clone, Serialize)]
pub struct DefendedReport {
    /// The defence in words.
    pub defense: String,
    /// Whether the defended "probabilities" are vote shares (MedRDF, randomized smoothing).
    pub vote: bool,
    /// The model on the defended clean image.
    pub clean: PredictionReport,
    /// The model on the defended adversarial image.
    pub adversarial: PredictionReport,
    /// Whether the attack was asked to go through the defence (adaptive).
    pub adaptive: bool,
    /// Randomized smoothing's certificate on the clean image.
    pub clean_certificate: Option<crate::defenses::Certificate>,
    /// Randomized smoothing's certificate on the adversarial image.
    pub adversarial_certificate: Option<crate::defenses::Certificate>,
}

/// Everything `result.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct AttackReport {
    /// advlens version.
    pub advlens_version: String,
    /// The scan.
    pub scan: ScanReport,
    /// Model name.
    pub model: String,
    /// The attack configuration.
    pub attack: AttackConfig,
    /// The norm ε is measured in.
    pub norm: crate::attacks::Norm,
    /// ε in 1/255 units for an L∞ attack; `null` for an L2 radius, which has no such reading
    /// (it is `attack.epsilon`, a length on the [0, 1] pixel scale).
    pub epsilon_255: Option<f64>,
    /// The label attacked.
    pub label: usize,
    /// Target class (targeted attacks).
    pub target: Option<usize>,
    /// Clean prediction.
    pub clean: PredictionReport,
    /// Adversarial prediction.
    pub adversarial: PredictionReport,
    /// Whether the attack succeeded (untargeted: left the label; targeted: reached the target).
    pub success: bool,
    /// The outcome in words, as the window and the figure say it.
    pub outcome: String,
    /// Pixels changed.
    pub l0: usize,
    /// L2 norm of the perturbation.
    pub l2: f64,
    /// L∞ norm of the perturbation.
    pub linf: f64,
    /// PSNR in dB (`null` when identical).
    pub psnr: Option<f64>,
    /// SSIM.
    pub ssim: f64,
    /// The fraction of pixels the attack was allowed to change, when confined to a region
    /// (the region itself is in `attack.region`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_allowed_fraction: Option<f64>,
    /// Gradient evaluations used.
    pub gradient_evaluations: usize,
    /// Score queries used (Square, AutoAttack-lite's Square stage).
    pub queries: usize,
    /// For a minimal attack that succeeded (DeepFool, C&W): the perturbation size it needed,
    /// in its norm; `null` otherwise.
    pub needed_norm: Option<f64>,
    /// AutoAttack-lite's stages, with whether the scan was still classified correctly after
    /// each; empty for other attacks.
    pub stages: Vec<crate::attacks::AttackStage>,
    /// What ran differently from what was asked, in words.
    pub notes: Vec<String>,
    /// The explanation drawn on both images, in words (`Grad-CAM`).
    pub explanation: String,
    /// Its method and parameters.
    pub explanation_config: crate::explain::ExplainConfig,
    /// How far it moved between the clean and the adversarial image.
    pub explanation_shift: crate::explain::ExplanationShift,
    /// Both maps' deletion and insertion curves, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faithfulness: Option<crate::explain::Faithfulness>,
    /// The clean map's cascading-randomisation sanity check, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sanity: Option<crate::explain::SanityCheck>,
    /// What the attack differentiated, structured.
    pub gradient_route: crate::attacks::GradientRoute,
    /// The same in words (as the window, the figure and the CLI print it).
    pub gradient: String,
    /// Device in words.
    pub device: String,
    /// Wall time of the attack and analysis.
    pub elapsed_ms: f64,
    /// The model's answer on the 8-bit PNG read back (quantisation can undo tiny attacks).
    pub png8: Option<PredictionReport>,
    /// Whether the 8-bit PNG still fools the model.
    pub png8_success: Option<bool>,
    /// The defended output, when a defence was chosen.
    pub defended: Option<DefendedReport>,
    /// Feature-squeezing detection, when the model has a calibrated detector.
    pub detection: Option<crate::pipeline::Detection>,
    /// Files written.
    pub files: Vec<String>,
}

impl AttackReport {
    /// The report of a pipeline result.
    #[must_use]
    pub fn new(
        metadata: &ScanMetadata,
        model: &str,
        classes: &[String],
        result: &AttackResult,
    ) -> Self {
        Self {
            advlens_version: env!("CARGO_PKG_VERSION").to_string(),
            scan: ScanReport::from_metadata(metadata),
            model: model.to_string(),
            attack: result.attack.clone(),
            norm: result.attack.norm(),
            epsilon_255: (result.attack.norm() == crate::attacks::Norm::Linf
                && result.attack.kind.uses_epsilon())
            .then_some(result.attack.epsilon * 255.0),
            label: result.label,
            target: result.target,
            clean: (&result.clean).into(),
            adversarial: (&result.adversarial_prediction).into(),
            success: result.success,
            outcome: result.outcome().verdict(result, classes),
            l0: result.metrics.l0,
            l2: result.metrics.l2,
            linf: result.metrics.linf,
            psnr: result.metrics.psnr_db,
            ssim: result.metrics.ssim,
            region_allowed_fraction: result.region_fraction(),
            gradient_evaluations: result.gradient_evaluations,
            queries: result.queries,
            needed_norm: result.needed_norm(),
            stages: result.stages.clone(),
            notes: result.notes.clone(),
            explanation: result.explanation.describe_for(classes),
            explanation_config: result.explanation.clone(),
            explanation_shift: result.explanation_shift,
            faithfulness: result.faithfulness.clone(),
            sanity: result.sanity.clone(),
            gradient_route: result.gradient_route,
            gradient: result.gradient_route.describe(),
            device: result.device.clone(),
            elapsed_ms: result.elapsed_ms,
            png8: None,
            png8_success: None,
            defended: result.defended.as_ref().map(|d| DefendedReport {
                defense: d.defense.describe(),
                vote: d.defense.kind.is_vote(),
                clean: (&d.clean).into(),
                adversarial: (&d.adversarial).into(),
                adaptive: d.adaptive,
                clean_certificate: d.clean_certificate,
                adversarial_certificate: d.adversarial_certificate,
            }),
            detection: result.detection,
            files: Vec::new(),
        }
    }
}
