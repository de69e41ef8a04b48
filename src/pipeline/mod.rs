//! The one entry point the GUI, the CLI and the tests call: a request (scan, model, attack) in,
//! a result value (every image and number a view shows) out. FGSM also has a session that
//! keeps the gradient so that moving ε costs one element-wise update and two forward passes.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::attacks::{
    AttackConfig, AttackControl, AttackError, AttackStage, DefenseGradientPath, GradientRoute,
    Norm, run_attack,
};
use crate::defenses::DefenseError;
use crate::device::ComputeDevice;
use crate::explain::{ExplainConfig, ExplainError, ExplanationShift};
use crate::imaging::{GreyImage, ImagingError, Scan};
use crate::metrics::{MetricsError, PerturbationMetrics};
use crate::models::LoadedModel;

mod animation;
mod assemble;
mod atlas;
mod clean_cache;
mod defended;
mod fgsm_session;
mod iterations;
mod outcome;
mod prepared;
mod spec;
pub mod sweep;

pub use animation::{MAX_FRAMES, animation_epsilons, epsilon_animation};
use assemble::{Attacked, assemble};
pub use atlas::{AtlasEntry, explanation_atlas};
pub use defended::{DefendedOutput, Detection};
pub use fgsm_session::FgsmSession;
pub use iterations::{MAX_REPLAY_STEPS, iteration_replay};
pub use outcome::Outcome;
use prepared::Prepared;
pub use spec::AttackSpec;

/// Errors from the pipeline, one variant per area.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// Reading or converting images.
    #[error(transparent)]
    Imaging(#[from] ImagingError),
    /// The attack.
    #[error(transparent)]
    Attack(#[from] AttackError),
    /// Grad-CAM.
    #[error(transparent)]
    Explain(#[from] ExplainError),
    /// Metrics.
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    /// A defence.
    #[error(transparent)]
    Defense(#[from] DefenseError),
}

/// What to attack and how: a scan and an [`AttackSpec`].
#[derive(Debug, Clone)]
pub struct AttackRequest {
    /// The scan (its display image is what the model sees).
    pub scan: Scan,
    /// The attack, label, defence and whether the attack goes through it.
    pub spec: AttackSpec,
}

/// A prediction in words and numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The most likely class.
    pub label: usize,
    /// Its name.
    pub class_name: String,
    /// Probability of every class.
    pub probs: Vec<f32>,
}

/// Everything one attack run produced.
#[derive(Debug, Clone)]
pub struct AttackResult {
    /// The clean model input, in [0, 1].
    pub original: GreyImage,
    /// The adversarial image, in [0, 1].
    pub adversarial: GreyImage,
    /// adversarial − original (signed).
    pub perturbation: GreyImage,
    /// The explanation (Grad-CAM unless another was chosen) of the clean image for its
    /// predicted class, in [0, 1].
    pub explanation_clean: GreyImage,
    /// The same of the adversarial image for its predicted class.
    pub explanation_adversarial: GreyImage,
    /// The explanation method and its parameters.
    pub explanation: ExplainConfig,
    /// How far the explanation moved between the clean and the adversarial image.
    pub explanation_shift: ExplanationShift,
    /// Both maps' deletion and insertion curves, when asked for.
    pub faithfulness: Option<crate::explain::Faithfulness>,
    /// The clean map's cascading-randomisation sanity check, when asked for.
    pub sanity: Option<crate::explain::SanityCheck>,
    /// Clean prediction.
    pub clean: Prediction,
    /// Adversarial prediction.
    pub adversarial_prediction: Prediction,
    /// The label the attack moved away from.
    pub label: usize,
    /// The class it aimed for (targeted attacks).
    pub target: Option<usize>,
    /// Untargeted: the prediction left the label; targeted: it reached the target.
    pub success: bool,
    /// Size and visibility of the perturbation.
    pub metrics: PerturbationMetrics,
    /// Gradient evaluations used.
    pub gradient_evaluations: usize,
    /// Score queries used (Square, AutoAttack-lite's Square stage).
    pub queries: usize,
    /// AutoAttack-lite's stages: whether the scan was still classified correctly after each.
    pub stages: Vec<AttackStage>,
    /// What ran differently from what was asked (DLR replaced by cross-entropy on a binary
    /// model).
    pub notes: Vec<String>,
    /// What the attack differentiated (the model, or the defence exactly or by BPDA, with
    /// EOT), as the engine did it.
    pub gradient_route: GradientRoute,
    /// Wall time of the run.
    pub elapsed_ms: f64,
    /// The device, in words.
    pub device: String,
    /// The attack that produced it.
    pub attack: AttackConfig,
    /// The defended output, when a defence was chosen.
    pub defended: Option<DefendedOutput>,
    /// Feature-squeezing detection, when the model card carries a calibrated threshold.
    pub detection: Option<Detection>,
    /// The detector's scores follow in a separate step (the slider's FGSM path, so that the
    /// images are on screen first); until they come, `detection` is `None`.
    pub detection_pending: bool,
}

impl AttackResult {
    /// What the attack did, in words shared by every output.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        Outcome::of(self)
    }

    /// The fraction of the model input's pixels the attack was allowed to change, when it was
    /// confined to a region.
    #[must_use]
    pub fn region_fraction(&self) -> Option<f64> {
        let region = self.attack.region?;
        Some(region.allowed_fraction(self.original.width, self.original.height))
    }

    /// The (column, row) of every changed pixel, when the perturbation is sparse (at most
    /// `limit` pixels changed, as after the few-pixel attack), so that a view can mark them.
    #[must_use]
    pub fn changed_pixels(&self, limit: usize) -> Option<Vec<(usize, usize)>> {
        if self.metrics.l0 == 0 || self.metrics.l0 > limit {
            return None;
        }
        let width = self.perturbation.width.max(1);
        Some(
            self.perturbation
                .pixels
                .iter()
                .enumerate()
                .filter(|(_, value)| **value != 0.0)
                .map(|(index, _)| (index % width, index / width))
                .collect(),
        )
    }

    /// For a minimal attack (DeepFool, C&W) that succeeded, the size of the perturbation it
    /// needed, in the norm it minimises.
    #[must_use]
    pub fn needed_norm(&self) -> Option<f64> {
        if !self.attack.kind.is_minimal() || !self.success {
            return None;
        }
        Some(match self.attack.norm() {
            Norm::L2 => self.metrics.l2,
            Norm::Linf => self.metrics.linf,
        })
    }
}

/// Runs one attack end to end.
///
/// # Errors
/// [`PipelineError`] from any stage.
pub fn run_pipeline(
    model: &LoadedModel,
    request: &AttackRequest,
    device: &ComputeDevice,
    control: &AttackControl<'_>,
) -> Result<AttackResult, PipelineError> {
    let started = Instant::now();
    let prepared = Prepared::from_scan(model, &request.scan, &request.spec, device)?;
    let path = request.spec.defense_path();
    let through = path.as_ref().map(|p| p as &dyn DefenseGradientPath);
    let route = GradientRoute::of(request.spec.attack.kind, through);
    let control = AttackControl {
        through,
        ..*control
    };
    let adversarial = run_attack(
        &model.models,
        &prepared.clean,
        &[prepared.aim()],
        prepared.target.is_some(),
        &request.spec.attack,
        &control,
    )?;
    assemble(
        model,
        device,
        &request.spec,
        &prepared,
        Attacked::from_outcome(adversarial, route),
        started,
        control.on_explanation_step,
    )
}
