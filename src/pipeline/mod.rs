//! The one entry point the GUI, the CLI and the tests call: a request (scan, model, attack) in,
//! a result value (every image and number a view shows) out. FGSM also has a session that
//! keeps the gradient so that moving ε costs one element-wise update and two forward passes.

use std::time::Instant;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::attacks::{
    AttackConfig, AttackControl, AttackError, DefenseGradientPath, FgsmGradient, GradientRoute,
    attack_succeeded, predicted_class, probabilities, resolve_target, run_attack,
};
use crate::defenses::{DefenseConfig, DefenseError, DefensePath};
use crate::device::ComputeDevice;
use crate::explain::{ExplainError, grad_cam};
use crate::imaging::{GreyImage, ImagingError, Scan, image_from_tensor, model_input_from_scan};
use crate::metrics::{MetricsError, PerturbationMetrics, perturbation_metrics};
use crate::models::{LoadedModel, ModelPair};

mod defended;
mod outcome;
pub mod sweep;

pub use defended::{DefendedOutput, Detection};
use defended::{defend, detect};
pub use outcome::Outcome;

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

/// What to attack and how.
#[derive(Debug, Clone)]
pub struct AttackRequest {
    /// The scan (its display image is what the model sees).
    pub scan: Scan,
    /// The attack.
    pub attack: AttackConfig,
    /// The true class, when known; otherwise the clean prediction is taken as the label.
    pub true_label: Option<usize>,
    /// A test-time defence to apply to the clean and the adversarial image.
    pub defense: Option<DefenseConfig>,
    /// Attack through the defence instead of the bare model (the route it takes is
    /// [`AttackResult::gradient_route`]); ignored without a defence.
    pub adaptive: bool,
}

impl AttackRequest {
    /// The defence the attack goes through, when it is adaptive.
    #[must_use]
    pub fn attacked_defense(&self) -> Option<&DefenseConfig> {
        self.defense.as_ref().filter(|_| self.adaptive)
    }
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
    /// Grad-CAM of the clean image for its predicted class.
    pub gradcam_clean: GreyImage,
    /// Grad-CAM of the adversarial image for its predicted class.
    pub gradcam_adversarial: GreyImage,
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
}

impl AttackResult {
    /// What the attack did, in words shared by every output.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        Outcome::of(self)
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
    let clean = model_input_from_scan(&request.scan, model.card.spec.input_size, &device.device);
    let clean_probs = first_row(probabilities(&model.models, &clean)?);
    let (label, target) = attack_labels(&clean_probs, request)?;
    let aim = target.unwrap_or(label);
    let path = request.attacked_defense().cloned().map(DefensePath::new);
    let through = path.as_ref().map(|p| p as &dyn DefenseGradientPath);
    let route = GradientRoute::of(request.attack.kind, through);
    let control = AttackControl {
        through,
        ..*control
    };
    let adversarial = run_attack(
        &model.models,
        &clean,
        &[aim],
        target.is_some(),
        &request.attack,
        &control,
    )?;
    assemble(
        model,
        device,
        &request.attack,
        request.defense.as_ref().map(|d| (d, request.adaptive)),
        clean,
        clean_probs,
        Attacked {
            adversarial: adversarial.adversarial,
            gradient_evaluations: adversarial.gradient_evaluations,
            route,
        },
        label,
        target,
        started,
    )
}

/// FGSM for a fixed (scan, model, target): the gradient is computed once, then every ε is
/// cheap.
#[derive(Debug, Clone)]
pub struct FgsmSession {
    clean: Tensor<4>,
    clean_probs: Vec<f32>,
    gradient: FgsmGradient,
    label: usize,
    target: Option<usize>,
    route: GradientRoute,
}

impl FgsmSession {
    /// Computes the clean prediction and the gradient sign.
    ///
    /// # Errors
    /// [`PipelineError`].
    pub fn new(
        model: &LoadedModel,
        request: &AttackRequest,
        device: &ComputeDevice,
    ) -> Result<Self, PipelineError> {
        let clean =
            model_input_from_scan(&request.scan, model.card.spec.input_size, &device.device);
        let clean_probs = first_row(probabilities(&model.models, &clean)?);
        let (label, target) = attack_labels(&clean_probs, request)?;
        let path = request.attacked_defense().cloned().map(DefensePath::new);
        let through = path.as_ref().map(|p| p as &dyn DefenseGradientPath);
        let gradient = FgsmGradient::compute_through(
            &model.models.differentiable,
            clean.clone(),
            &[target.unwrap_or(label)],
            target.is_some(),
            through,
        )?;
        Ok(Self {
            clean,
            clean_probs,
            gradient,
            label,
            target,
            route: GradientRoute::of(request.attack.kind, through),
        })
    }

    /// The full result at ε, reusing the gradient. `defense` is the defence shown and
    /// whether the session's gradient went through it.
    ///
    /// # Errors
    /// [`PipelineError`].
    pub fn result_at(
        &self,
        model: &LoadedModel,
        device: &ComputeDevice,
        attack: &AttackConfig,
        defense: Option<(&DefenseConfig, bool)>,
    ) -> Result<AttackResult, PipelineError> {
        let started = Instant::now();
        let adversarial = self.gradient.apply(attack.epsilon);
        assemble(
            model,
            device,
            attack,
            defense,
            self.clean.clone(),
            self.clean_probs.clone(),
            Attacked {
                adversarial,
                gradient_evaluations: 1,
                route: self.route,
            },
            self.label,
            self.target,
            started,
        )
    }
}

fn first_row(rows: Vec<Vec<f32>>) -> Vec<f32> {
    rows.into_iter().next().unwrap_or_default()
}

/// The label to leave and the target to reach (if any), checked against the model's classes.
fn attack_labels(
    clean_probs: &[f32],
    request: &AttackRequest,
) -> Result<(usize, Option<usize>), PipelineError> {
    let classes = clean_probs.len();
    request.attack.validate(classes)?;
    let label = request
        .true_label
        .unwrap_or_else(|| predicted_class(clean_probs));
    if label >= classes {
        return Err(AttackError::InvalidTarget {
            class: label,
            classes,
        }
        .into());
    }
    Ok((label, resolve_target(request.attack.target, clean_probs)))
}

fn prediction(model: &LoadedModel, probs: Vec<f32>) -> Prediction {
    let label = predicted_class(&probs);
    Prediction {
        label,
        class_name: model.card.classes.get(label).cloned().unwrap_or_default(),
        probs,
    }
}

/// What the attack itself produced.
struct Attacked {
    adversarial: Tensor<4>,
    gradient_evaluations: usize,
    route: GradientRoute,
}

#[expect(
    clippy::too_many_arguments,
    reason = "the pieces of one result; one request type (issue: AttackSpec) will carry them"
)]
fn assemble(
    model: &LoadedModel,
    device: &ComputeDevice,
    attack: &AttackConfig,
    defense: Option<(&DefenseConfig, bool)>,
    clean: Tensor<4>,
    clean_probs: Vec<f32>,
    attacked: Attacked,
    label: usize,
    target: Option<usize>,
    started: Instant,
) -> Result<AttackResult, PipelineError> {
    let Attacked {
        adversarial,
        gradient_evaluations,
        route,
    } = attacked;
    let models: &ModelPair = &model.models;
    let adversarial_probs = first_row(probabilities(models, &adversarial)?);
    let clean_prediction = prediction(model, clean_probs);
    let adversarial_prediction = prediction(model, adversarial_probs);
    let success = attack_succeeded(adversarial_prediction.label, label, target);
    let metrics = perturbation_metrics(&clean, &adversarial)?;
    let gradcam_clean = image_from_tensor(grad_cam(models, &clean, clean_prediction.label)?)?;
    let gradcam_adversarial = image_from_tensor(grad_cam(
        models,
        &adversarial,
        adversarial_prediction.label,
    )?)?;
    let perturbation = image_from_tensor(adversarial.clone().sub(clean.clone()))?;
    let defended = defense
        .map(|(config, adaptive)| defend(model, config, adaptive, &clean, &adversarial))
        .transpose()?;
    let detection = detect(model, &clean, &adversarial)?;
    Ok(AttackResult {
        original: image_from_tensor(clean)?,
        adversarial: image_from_tensor(adversarial)?,
        perturbation,
        gradcam_clean,
        gradcam_adversarial,
        clean: clean_prediction,
        adversarial_prediction,
        label,
        target,
        success,
        metrics,
        gradient_evaluations,
        gradient_route: route,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        device: device.description.clone(),
        attack: attack.clone(),
        defended,
        detection,
    })
}
