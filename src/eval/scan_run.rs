//! Running an evaluation scan batch by scan batch: each batch is judged clean, then attacked
//! by every attack at every ε (the attacks without ε once), so that after each batch the
//! records hold complete scans — a cancelled evaluation keeps a consistent partial table.

use std::time::Instant;

use burn::tensor::Tensor;

use super::EvalError;
use super::run::EvalPlan;
use super::scan_batch::{BatchAttack, BatchContext, judge, read_values};
use super::scan_records::{
    AttackColumn, FlipEvidence, Fragility, Judgement, ScanEvaluation, ScanRecord,
};
use crate::attacks::{AttackControl, AttackError, AttackKind, DefenseGradientPath, GradientRoute};
use crate::datasets::LabelledImages;
use crate::defenses::{DefenseConfig, DefensePath};
use crate::device::ComputeDevice;
use crate::models::LoadedModel;

/// How a running evaluation reports and is stopped.
pub struct EvalHooks<'a> {
    /// Asked between batches and between attack steps; `true` stops the evaluation, which
    /// then returns the scans finished so far.
    pub should_stop: Option<&'a (dyn Fn() -> bool + Sync)>,
    /// Called after every batch with the records so far.
    pub on_batch: &'a mut dyn FnMut(&ScanEvaluation),
}

/// Evaluates `model` on `images` under every attack and ε of `plan`, keeping what happened
/// to every scan. Stops early (returning the scans finished, `finished == false`) when
/// `hooks.should_stop` says so.
///
/// # Errors
/// [`EvalError`] from an attack, a defence or a read-back.
pub fn evaluate_scans(
    model: &LoadedModel,
    images: &LabelledImages,
    plan: &EvalPlan,
    device: &ComputeDevice,
    hooks: &mut EvalHooks<'_>,
) -> Result<ScanEvaluation, EvalError> {
    let started = Instant::now();
    if images.is_empty() {
        return Err(EvalError::Other("no images to evaluate".to_string()));
    }
    let defense = plan.defense.as_ref();
    let path = defense
        .filter(|_| plan.adaptive)
        .map(|config| DefensePath::new(config.clone()));
    let control = AttackControl {
        through: path.as_ref().map(|p| p as &dyn DefenseGradientPath),
        should_stop: hooks.should_stop,
        ..AttackControl::default()
    };
    let mut evaluation = ScanEvaluation {
        model: model.card.name.clone(),
        classes: model.card.classes.clone(),
        source: images.source.clone(),
        planned: images.len(),
        size: [images.height, images.width],
        epsilons: plan.epsilons.clone(),
        attacks: plan
            .attacks
            .iter()
            .map(|config| AttackColumn {
                config: config.clone(),
                name: config.row_name(),
                stage_names: Vec::new(),
            })
            .collect(),
        defense: defense.map(DefenseConfig::describe),
        adaptive: plan.adaptive && defense.is_some(),
        gradient: path.as_ref().map(|p| {
            GradientRoute::of(AttackKind::Pgd, Some(p as &dyn DefenseGradientPath)).describe()
        }),
        region: plan
            .attacks
            .iter()
            .find_map(|attack| attack.region.map(|region| region.to_text())),
        records: Vec::with_capacity(images.len()),
        originals: Vec::with_capacity(images.len()),
        seconds: 0.0,
        device: device.description.clone(),
        finished: false,
    };
    let size = plan.batch_size.max(1);
    for start in (0..images.len()).step_by(size) {
        if hooks.should_stop.is_some_and(|stop| stop()) {
            break;
        }
        let range = start..(start + size).min(images.len());
        let (batch, labels) = images.batch_range(range.clone(), &device.device);
        match evaluate_batch(model, plan, &control, &batch, &labels, &mut evaluation) {
            Ok(records) => {
                evaluation
                    .originals
                    .extend(range.clone().map(|i| grey16(&images.image_f32(i))));
                evaluation
                    .records
                    .extend(records.into_iter().zip(range).map(|(mut record, index)| {
                        record.index = index;
                        record
                    }));
            }
            Err(EvalError::Attack(AttackError::Cancelled)) => break,
            Err(err) => return Err(err),
        }
        evaluation.seconds = started.elapsed().as_secs_f64();
        (hooks.on_batch)(&evaluation);
    }
    evaluation.finished = evaluation.records.len() == images.len();
    evaluation.seconds = started.elapsed().as_secs_f64();
    Ok(evaluation)
}

/// The records of one batch (their `index` is set by the caller).
fn evaluate_batch(
    model: &LoadedModel,
    plan: &EvalPlan,
    control: &AttackControl<'_>,
    batch: &Tensor<4>,
    labels: &[usize],
    evaluation: &mut ScanEvaluation,
) -> Result<Vec<ScanRecord>, EvalError> {
    let clean = judge(model, batch, plan.defense.as_ref())?;
    let context = BatchContext {
        model,
        plan,
        control,
        batch,
        labels,
        clean: &clean,
    };
    let mut records: Vec<ScanRecord> = clean
        .iter()
        .zip(labels)
        .map(|(clean, &label)| ScanRecord {
            index: 0,
            label,
            clean: clean.clone(),
            attacks: Vec::new(),
        })
        .collect();
    for attack in 0..evaluation.attacks.len() {
        let column = &mut evaluation.attacks[attack];
        let results = if column.config.kind.uses_epsilon() {
            context.budgeted(column)?
        } else {
            context.unbudgeted(column)?
        };
        let BatchAttack {
            records: attack_records,
            adversarials,
            unbudgeted,
        } = results;
        for (record, attack_record) in records.iter_mut().zip(attack_records) {
            record.attacks.push(attack_record);
        }
        attach_flip_evidence(evaluation, &mut records, attack, &adversarials, &unbudgeted)?;
    }
    Ok(records)
}

/// Keeps, for every scan that flips, the adversarial scan at its flipping ε and the model's
/// judgement of it (`unbudgeted`: the judgements of an attack without ε, whose one result is
/// `adversarials[0]`).
fn attach_flip_evidence(
    evaluation: &ScanEvaluation,
    records: &mut [ScanRecord],
    attack: usize,
    adversarials: &[Option<Tensor<4>>],
    unbudgeted: &[Judgement],
) -> Result<(), EvalError> {
    let mut read: Vec<Option<Vec<f32>>> = vec![None; adversarials.len()];
    let area = evaluation.size[0] * evaluation.size[1];
    for (image, record) in records.iter_mut().enumerate() {
        let Fragility::FlipsAt(epsilon) = evaluation.fragility(record, attack) else {
            continue;
        };
        let scan = &mut record.attacks[attack];
        let (index, judgement) = if unbudgeted.is_empty() {
            let Some(index) = evaluation.epsilons.iter().position(|e| *e == epsilon) else {
                continue;
            };
            (index, scan.per_epsilon[index].clone())
        } else {
            (0, unbudgeted[image].clone())
        };
        let Some(Some(tensor)) = adversarials.get(index) else {
            continue;
        };
        if read[index].is_none() {
            read[index] = Some(read_values(tensor.clone())?);
        }
        let Some(pixels) = read[index]
            .as_deref()
            .and_then(|values| values.get(image * area..(image + 1) * area))
        else {
            continue;
        };
        scan.at_flip = Some(FlipEvidence {
            judgement,
            adversarial: grey16(pixels),
        });
    }
    Ok(())
}

/// Values in [0, 1] as 16-bit grey levels.
fn grey16(values: &[f32]) -> Vec<u16> {
    values
        .iter()
        .map(|v| (v.clamp(0.0, 1.0) * 65535.0).round() as u16)
        .collect()
}
