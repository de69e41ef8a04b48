//! Everything a view shows, from an attack's output: the predictions, the perturbation and
//! its metrics, Grad-CAM on both images, the defended output and the detector's scores.

use std::time::Instant;

use burn::tensor::Tensor;

use super::defended::{defend, detect};
use super::{AttackResult, AttackSpec, Detection, PipelineError, Prediction, Prepared};
use crate::attacks::{
    AttackOutcome, AttackStage, GradientRoute, attack_succeeded, predicted_class,
};
use crate::device::ComputeDevice;
use crate::explain::{
    ExplainConfig, ExplainError, ExplanationShift, Faithfulness, MapGeometry, Progress, RankedMap,
    cascading_randomization, deletion_insertion, explain_choosing, explain_ranked_reporting,
    explanation_shift,
};
use crate::imaging::{GreyImage, image_from_tensor};
use crate::metrics::perturbation_metrics;
use crate::models::{LoadedModel, ModelPair};

/// What the attack itself produced.
pub(super) struct Attacked {
    /// The adversarial image, `[1, 1, h, w]` in [0, 1].
    pub adversarial: Tensor<4>,
    /// Gradient steps used.
    pub gradient_evaluations: usize,
    /// Score queries used.
    pub queries: usize,
    /// AutoAttack-lite's stages.
    pub stages: Vec<AttackStage>,
    /// What ran differently from what was asked.
    pub notes: Vec<String>,
    /// What the attack differentiated.
    pub route: GradientRoute,
}

impl Attacked {
    /// The engine's outcome for one image, with the route it took.
    pub(super) fn from_outcome(outcome: AttackOutcome, route: GradientRoute) -> Self {
        Self {
            adversarial: outcome.adversarial,
            gradient_evaluations: outcome.gradient_evaluations,
            queries: outcome.queries,
            stages: outcome.stages,
            notes: outcome.notes,
            route,
        }
    }
}

pub(super) fn prediction(model: &LoadedModel, probs: Vec<f32>) -> Prediction {
    let label = predicted_class(&probs);
    Prediction {
        label,
        class_name: model.card.classes.get(label).cloned().unwrap_or_default(),
        probs,
    }
}

/// How far the map moved, in millimetres too when the scan states its spacing, and inside the
/// attack's region when it has one.
fn shift_between(
    spec: &AttackSpec,
    prepared: &Prepared,
    clean: &GreyImage,
    adversarial: &GreyImage,
) -> ExplanationShift {
    let region = spec
        .attack
        .region
        .map(|region| region.pixels(clean.width, clean.height));
    explanation_shift(
        &clean.pixels,
        &adversarial.pixels,
        MapGeometry {
            width: clean.width,
            pixel_mm: prepared.pixel_mm,
            region: region.as_deref(),
        },
    )
}

/// The adversarial image's probabilities and map, then the clean map, reporting into one bar:
/// the adversarial map's passes first. The adversarial probabilities decide the classes to
/// explain and, for the gradient CAM methods, come from the map's own forward pass. The clean
/// map comes from the prepared image's cache when an earlier ε of the same session computed it.
fn explain_both(
    models: &ModelPair,
    prepared: &Prepared,
    adversarial: &Tensor<4>,
    classes: impl Fn(usize) -> (usize, usize),
    config: &ExplainConfig,
    progress: Progress<'_>,
) -> Result<ExplainedPair, ExplainError> {
    let first_half = |done: usize, total: usize| {
        if let Some(report) = progress {
            report(done, 2 * total);
        }
    };
    let second_half = |done: usize, total: usize| {
        if let Some(report) = progress {
            report(total + done, 2 * total);
        }
    };
    let (adversarial_probs, adversarial_map) = explain_choosing(
        models,
        adversarial,
        config,
        |probs| classes(predicted_class(probs)).1,
        Some(&first_half),
    )?;
    let adversarial_label = predicted_class(&adversarial_probs);
    let (clean_class, adversarial_class) = classes(adversarial_label);
    let clean = prepared.cache.explanation(config, clean_class, || {
        explain_ranked_reporting(
            models,
            &prepared.clean,
            clean_class,
            config,
            Some(&second_half),
        )
    })?;
    Ok(ExplainedPair {
        adversarial_probs,
        classes: [clean_class, adversarial_class],
        clean,
        adversarial: adversarial_map,
    })
}

/// What [`explain_both`] found.
struct ExplainedPair {
    adversarial_probs: Vec<f32>,
    /// The classes of the clean and the adversarial map.
    classes: [usize; 2],
    clean: RankedMap,
    adversarial: RankedMap,
}

/// The result of one run, the detector's scores included.
pub(super) fn assemble(
    model: &LoadedModel,
    device: &ComputeDevice,
    spec: &AttackSpec,
    prepared: &Prepared,
    attacked: Attacked,
    started: Instant,
    explanation_progress: Progress<'_>,
) -> Result<AttackResult, PipelineError> {
    let adversarial = attacked.adversarial.clone();
    let result = assemble_deferring_detection(
        model,
        device,
        spec,
        prepared,
        attacked,
        started,
        explanation_progress,
    )?;
    let detection = detect(
        model,
        prepared,
        &adversarial,
        &result.adversarial_prediction.probs,
    )?;
    Ok(with_detection(result, detection, started))
}

/// A result assembled without the detector's scores, with them; its time counts from
/// `started`.
fn with_detection(
    mut result: AttackResult,
    detection: Option<Detection>,
    started: Instant,
) -> AttackResult {
    result.detection = detection;
    result.detection_pending = false;
    result.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    result
}

/// The result of one run without the detector's scores, which cost two forward passes:
/// `detection_pending` says whether the model has a detector whose scores are to follow
/// ([`super::FgsmSession::detection_at`]).
pub(super) fn assemble_deferring_detection(
    model: &LoadedModel,
    device: &ComputeDevice,
    spec: &AttackSpec,
    prepared: &Prepared,
    attacked: Attacked,
    started: Instant,
    explanation_progress: Progress<'_>,
) -> Result<AttackResult, PipelineError> {
    let Attacked {
        adversarial,
        gradient_evaluations,
        queries,
        stages,
        notes,
        route,
    } = attacked;
    let (clean, label, target) = (&prepared.clean, prepared.label, prepared.target);
    let models = &model.models;
    let clean_prediction = prediction(model, prepared.clean_probs.clone());
    let explained = explain_both(
        models,
        prepared,
        &adversarial,
        |adversarial_label| {
            spec.explain
                .target
                .classes(clean_prediction.label, adversarial_label, label)
        },
        &spec.explain,
        explanation_progress,
    )?;
    let [clean_class, adversarial_class] = explained.classes;
    let (ranked_clean, ranked_adversarial) = (explained.clean, explained.adversarial);
    let adversarial_prediction = prediction(model, explained.adversarial_probs);
    let success = attack_succeeded(adversarial_prediction.label, label, target);
    let metrics = perturbation_metrics(clean, &adversarial)?;
    let explanation_clean = image_from_tensor(ranked_clean.display)?;
    let explanation_adversarial = image_from_tensor(ranked_adversarial.display)?;
    let shift = shift_between(spec, prepared, &explanation_clean, &explanation_adversarial);
    let faithfulness = if spec.explain.deletion_insertion {
        Some(Faithfulness {
            clean: deletion_insertion(models, clean, &ranked_clean.ranking, clean_class)?,
            adversarial: deletion_insertion(
                models,
                &adversarial,
                &ranked_adversarial.ranking,
                adversarial_class,
            )?,
        })
    } else {
        None
    };
    let sanity = if spec.explain.sanity_check {
        Some(cascading_randomization(
            &model.card.spec,
            models,
            clean,
            clean_class,
            &spec.explain,
            spec.explain.seed,
        )?)
    } else {
        None
    };
    let perturbation = image_from_tensor(adversarial.clone().sub(clean.clone()))?;
    let defended = spec
        .defense
        .as_ref()
        .map(|config| defend(model, config, spec.adaptive, clean, &adversarial))
        .transpose()?;
    Ok(AttackResult {
        original: image_from_tensor(clean.clone())?,
        adversarial: image_from_tensor(adversarial)?,
        perturbation,
        explanation_clean,
        explanation_adversarial,
        explanation: spec.explain.clone(),
        explanation_shift: shift,
        faithfulness,
        sanity,
        clean: clean_prediction,
        adversarial_prediction,
        label,
        target,
        success,
        metrics,
        gradient_evaluations,
        queries,
        stages,
        notes,
        gradient_route: route,
        elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
        device: device.description.clone(),
        attack: spec.attack.clone(),
        defended,
        detection: None,
        detection_pending: model.card.feature_squeezing.is_some(),
    })
}
