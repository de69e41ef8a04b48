//! Running the evaluation: every attack at every ε over every batch, through the defence when
//! asked, with progress after each batch.

use std::time::Instant;

use burn::tensor::Tensor;

use super::EvalError;
use super::no_epsilon::minimal_row;
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
    Ok(correct_flags(model, images, labels, defense)?
        .iter()
        .filter(|c| **c)
        .count())
}

/// Per image, whether the (defended) model gets it right.
pub(super) fn correct_flags(
    model: &LoadedModel,
    images: &Tensor<4>,
    labels: &[usize],
    defense: Option<&DefenseConfig>,
) -> Result<Vec<bool>, EvalError> {
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
        .map(|(p, l)| *p == Some(*l))
        .collect())
}

/// Progress over all batches of the evaluation.
pub(super) struct Progress<'a> {
    done: usize,
    total: usize,
    report: &'a mut dyn FnMut(usize, usize),
}

impl Progress<'_> {
    /// One more batch done.
    pub(super) fn step(&mut self) {
        self.done += 1;
        (self.report)(self.done, self.total);
    }
}

/// What every row's evaluation shares.
pub(super) struct EvalContext<'a> {
    pub(super) model: &'a LoadedModel,
    pub(super) images: &'a LabelledImages,
    pub(super) plan: &'a EvalPlan,
    pub(super) device: &'a ComputeDevice,
    pub(super) control: AttackControl<'a>,
    /// Accuracy at ε = 0 (measured once).
    pub(super) clean_accuracy: f32,
}

impl EvalContext<'_> {
    /// The batches, as (images, labels).
    pub(super) fn batches(&self) -> impl Iterator<Item = (Tensor<4>, Vec<usize>)> + '_ {
        let size = self.plan.batch_size.max(1);
        (0..self.images.len()).step_by(size).map(move |start| {
            self.images.batch_range(
                start..(start + size).min(self.images.len()),
                &self.device.device,
            )
        })
    }

    /// Whether the attack's own judgement of success is the table's: with no defence, or
    /// when it attacks through the defence.
    fn attack_sees_the_judge(&self) -> bool {
        self.plan.defense.is_none() || self.plan.adaptive
    }
}

/// The row (and, for AutoAttack-lite, the per-stage rows before it) of an attack with an ε.
fn budgeted_rows(
    context: &EvalContext<'_>,
    attack: &AttackConfig,
    progress: &mut Progress<'_>,
) -> Result<Vec<RobustnessRow>, EvalError> {
    let defense = context.plan.defense.as_ref();
    let count = context.images.len() as f32;
    let mut accuracy = Vec::with_capacity(context.plan.epsilons.len());
    // AutoAttack-lite: per stage name, robust images at each ε.
    let mut stages: Vec<(String, Vec<f32>)> = Vec::new();
    for &epsilon in &context.plan.epsilons {
        if epsilon <= 0.0 {
            accuracy.push(context.clean_accuracy);
            for (_, values) in &mut stages {
                values.push(context.clean_accuracy);
            }
            continue;
        }
        let config = AttackConfig {
            epsilon,
            ..attack.clone()
        };
        let mut correct = 0usize;
        let mut stage_robust: Vec<(String, usize)> = Vec::new();
        for (batch, labels) in context.batches() {
            let outcome = run_attack(
                &context.model.models,
                &batch,
                &labels,
                false,
                &config,
                &context.control,
            )?;
            correct += correct_count(context.model, &outcome.adversarial, &labels, defense)?;
            for (index, stage) in outcome.stages.iter().enumerate() {
                if index >= stage_robust.len() {
                    stage_robust.push((stage.name.clone(), 0));
                }
                stage_robust[index].1 += stage.robust.iter().filter(|r| **r).count();
            }
            progress.step();
        }
        accuracy.push(correct as f32 / count);
        for (name, robust) in stage_robust {
            if let Some((_, values)) = stages.iter_mut().find(|(n, _)| *n == name) {
                values.push(robust as f32 / count);
            } else {
                // A stage first seen at this ε: earlier ε columns were clean ones.
                let earlier = accuracy.len() - 1;
                let mut values = vec![context.clean_accuracy; earlier];
                values.push(robust as f32 / count);
                stages.push((name, values));
            }
        }
    }
    let mut rows = Vec::new();
    if context.attack_sees_the_judge() {
        // The clean check and the last stage duplicate the clean column and the final row.
        let shown = stages.len().saturating_sub(1);
        for (name, values) in stages.into_iter().take(shown).skip(1) {
            rows.push(RobustnessRow {
                attack: format!("↳ after {name}"),
                accuracy: values,
                needed: None,
            });
        }
    }
    rows.push(RobustnessRow {
        attack: attack.row_name(),
        accuracy,
        needed: None,
    });
    Ok(rows)
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
    let attack_batches: usize = plan
        .attacks
        .iter()
        .map(|a| {
            if a.kind.uses_epsilon() {
                batches * attacked_epsilons
            } else {
                batches
            }
        })
        .sum();
    let total = attack_batches + batches * usize::from(has_clean);
    let mut progress = Progress {
        done: 0,
        total,
        report: on_progress,
    };
    let defense = plan.defense.as_ref();
    let path = defense
        .filter(|_| plan.adaptive)
        .map(|config| DefensePath::new(config.clone()));
    let control = AttackControl {
        through: path.as_ref().map(|p| p as &dyn DefenseGradientPath),
        ..AttackControl::default()
    };
    let mut context = EvalContext {
        model,
        images,
        plan,
        device,
        control,
        clean_accuracy: 0.0,
    };
    if has_clean {
        let mut clean_correct = 0usize;
        for (batch, labels) in context.batches() {
            clean_correct += correct_count(model, &batch, &labels, defense)?;
            progress.step();
        }
        context.clean_accuracy = clean_correct as f32 / images.len() as f32;
    }
    let mut rows = Vec::with_capacity(plan.attacks.len());
    for attack in &plan.attacks {
        if attack.kind.uses_epsilon() {
            rows.extend(budgeted_rows(&context, attack, &mut progress)?);
        } else {
            rows.push(minimal_row(&context, attack, &mut progress)?);
        }
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
        region: plan
            .attacks
            .iter()
            .find_map(|attack| attack.region.map(|region| region.to_text())),
        epsilons: plan.epsilons.clone(),
        rows,
        seconds: started.elapsed().as_secs_f64(),
        device: device.description.clone(),
    })
}
