//! Running the evaluation: every attack at every ε over every batch, through the defence when
//! asked, with progress after each batch.

use std::time::Instant;

use burn::tensor::Tensor;

use super::EvalError;
use crate::attacks::{
    AttackConfig, AttackControl, AttackKind, DefenseGradientPath, GradientRoute, predicted_class,
    probabilities, run_attack,
};
use crate::datasets::LabelledImages;
use crate::defenses::{DefenseConfig, DefensePath, defended_predict};
use crate::device::ComputeDevice;
use crate::models::{LoadedModel, RobustnessRow, RobustnessTable};

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct EvalPlan {
    /// The attacks (their ε is replaced by each of `epsilons`).
    pub attacks: Vec<AttackConfig>,
    /// L∞ radii on the [0, 1] scale; 0 is clean accuracy.
    pub epsilons: Vec<f64>,
    /// The defence in front of the model, if any.
    pub defense: Option<DefenseConfig>,
    /// Attack through the defence (exact gradients, BPDA or EOT, as the defence allows).
    pub adaptive: bool,
    /// Images per batch.
    pub batch_size: usize,
}

/// How many images of a batch the (defended) model gets right.
fn correct_count(
    model: &LoadedModel,
    images: &Tensor<4>,
    labels: &[usize],
    defense: Option<&DefenseConfig>,
) -> Result<usize, EvalError> {
    let predictions: Vec<Option<usize>> = match defense {
        None => probabilities(&model.models, images)?
            .iter()
            .map(|row| Some(predicted_class(row)))
            .collect(),
        Some(config) => {
            let defended = defended_predict(&model.models.inference, images, config)?;
            defended
                .probabilities
                .iter()
                .zip(&defended.certificates)
                .map(|(row, certificate)| match certificate {
                    // Randomized smoothing counts an abstention as wrong.
                    Some(certificate) => certificate.class,
                    None => Some(predicted_class(row)),
                })
                .collect()
        }
    };
    Ok(predictions
        .iter()
        .zip(labels)
        .filter(|(p, l)| **p == Some(**l))
        .count())
}

/// Evaluates `model` on `images` under every attack and ε of `plan`. `on_progress` gets
/// (batches done, batches in all) after each batch.
///
/// # Errors
/// [`EvalError`] from an attack, a defence or a read-back.
pub fn evaluate_robustness(
    model: &LoadedModel,
    images: &LabelledImages,
    plan: &EvalPlan,
    device: &ComputeDevice,
    on_progress: &mut dyn FnMut(usize, usize),
) -> Result<RobustnessTable, EvalError> {
    let started = Instant::now();
    if images.is_empty() {
        return Err(EvalError::Other("no images to evaluate".to_string()));
    }
    let batch_size = plan.batch_size.max(1);
    let batches = images.len().div_ceil(batch_size);
    let attacked_epsilons = plan.epsilons.iter().filter(|e| **e > 0.0).count();
    let has_clean = plan.epsilons.iter().any(|e| *e <= 0.0);
    let total = batches * (plan.attacks.len() * attacked_epsilons + usize::from(has_clean));
    let mut done = 0;
    let defense = plan.defense.as_ref();
    let mut clean_correct = 0usize;
    if has_clean {
        for start in (0..images.len()).step_by(batch_size) {
            let (batch, labels) = images.batch_range(
                start..(start + batch_size).min(images.len()),
                &device.device,
            );
            clean_correct += correct_count(model, &batch, &labels, defense)?;
            done += 1;
            on_progress(done, total);
        }
    }
    let path = defense
        .filter(|_| plan.adaptive)
        .map(|config| DefensePath::new(config.clone()));
    let control = AttackControl {
        through: path.as_ref().map(|p| p as &dyn DefenseGradientPath),
        ..AttackControl::default()
    };
    let count = images.len() as f32;
    let mut rows = Vec::with_capacity(plan.attacks.len());
    for attack in &plan.attacks {
        let mut accuracy = Vec::with_capacity(plan.epsilons.len());
        for &epsilon in &plan.epsilons {
            if epsilon <= 0.0 {
                accuracy.push(clean_correct as f32 / count);
                continue;
            }
            let config = AttackConfig {
                epsilon,
                ..attack.clone()
            };
            let mut correct = 0usize;
            for start in (0..images.len()).step_by(batch_size) {
                let (batch, labels) = images.batch_range(
                    start..(start + batch_size).min(images.len()),
                    &device.device,
                );
                let adversarial =
                    run_attack(&model.models, &batch, &labels, false, &config, &control)?;
                correct += correct_count(model, &adversarial.adversarial, &labels, defense)?;
                done += 1;
                on_progress(done, total);
            }
            accuracy.push(correct as f32 / count);
        }
        rows.push(RobustnessRow {
            attack: attack.row_name(),
            accuracy,
        });
    }
    Ok(RobustnessTable {
        model: model.card.name.clone(),
        source: images.source.clone(),
        images: images.len(),
        defense: defense.map(DefenseConfig::describe),
        adaptive: plan.adaptive && defense.is_some(),
        gradient: path.as_ref().map(|p| {
            GradientRoute::of(AttackKind::Pgd, Some(p as &dyn DefenseGradientPath)).describe()
        }),
        epsilons: plan.epsilons.clone(),
        rows,
        seconds: started.elapsed().as_secs_f64(),
        device: device.description.clone(),
    })
}
