//! Running an evaluation scan batch by scan batch: each batch is judged clean, then attacked
//! by every attack at every ε (the attacks without ε once), so that after each batch the
//! records hold complete scans — a cancelled evaluation keeps a consistent partial table.

use std::ops::Range;
use std::time::Instant;

use rayon::prelude::*;

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
use crate::device::{BackendKind, ComputeDevice};
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
/// `hooks.should_stop` says so. On the CPU, small batches run several at a time (see
/// [`concurrent_batches`]); the records are the same as one at a time, in scan order.
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
    let should_stop = hooks.should_stop;
    let defense = plan.defense.as_ref();
    let path = defense
        .filter(|_| plan.adaptive)
        .map(|config| DefensePath::new(config.clone()));
    let mut evaluation = empty_evaluation(model, images, plan, path.as_ref(), device);
    let size = plan.batch_size.max(1);
    let ranges: Vec<Range<usize>> = (0..images.len())
        .step_by(size)
        .map(|start| start..(start + size).min(images.len()))
        .collect();
    let streams = concurrent_batches(plan, device);
    if should_stop.is_some_and(|stop| stop()) {
        evaluation.seconds = started.elapsed().as_secs_f64();
        return Ok(evaluation);
    }
    'waves: for wave in ranges.chunks(streams) {
        let run = |range: &Range<usize>| {
            let control = AttackControl {
                through: path.as_ref().map(|p| p as &dyn DefenseGradientPath),
                should_stop,
                ..AttackControl::default()
            };
            let (batch, labels) = images.batch_range(range.clone(), &device.device);
            let mut columns = evaluation.attacks.clone();
            let records = evaluate_batch(
                model,
                plan,
                &control,
                &batch,
                &labels,
                &evaluation,
                &mut columns,
            )?;
            Ok::<_, EvalError>((records, columns))
        };
        let outcomes: Vec<_> = if wave.len() == 1 {
            wave.iter().map(run).collect()
        } else {
            wave.par_iter().map(run).collect()
        };
        for (range, outcome) in wave.iter().zip(outcomes) {
            match outcome {
                Ok((records, columns)) => {
                    for (column, seen) in evaluation.attacks.iter_mut().zip(columns) {
                        column.add_stage_names(&seen.stage_names);
                    }
                    evaluation
                        .originals
                        .extend(range.clone().map(|i| grey16(&images.image_f32(i))));
                    evaluation
                        .records
                        .extend(records.into_iter().zip(range.clone()).map(
                            |(mut record, index)| {
                                record.index = index;
                                record
                            },
                        ));
                }
                Err(EvalError::Attack(AttackError::Cancelled)) => break 'waves,
                Err(err) => return Err(err),
            }
            evaluation.seconds = started.elapsed().as_secs_f64();
            (hooks.on_batch)(&evaluation);
            // As if one at a time: a stop after this batch drops the rest of the wave.
            if should_stop.is_some_and(|stop| stop()) {
                break 'waves;
            }
        }
    }
    evaluation.finished = evaluation.records.len() == images.len();
    evaluation.seconds = started.elapsed().as_secs_f64();
    Ok(evaluation)
}

/// The evaluation's description before any scan: model, source, attack columns, defence.
fn empty_evaluation(
    model: &LoadedModel,
    images: &LabelledImages,
    plan: &EvalPlan,
    path: Option<&DefensePath>,
    device: &ComputeDevice,
) -> ScanEvaluation {
    let defense = plan.defense.as_ref();
    ScanEvaluation {
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
        gradient: path.map(|p| {
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
    }
}

/// How many batches run at once: on the CPU, without a defence, one per worker thread (at most
/// eight) for batches of up to 16 scans — Flex spreads one small batch's operations over two
/// threads at well under twice the speed (docs/performance.md), and every attack draws from
/// its own seeded generator, so the records do not depend on the order; one at a time
/// otherwise (a GPU, large batches, a defence whose random draws are counted across batches).
fn concurrent_batches(plan: &EvalPlan, device: &ComputeDevice) -> usize {
    let cpu = device.backend == BackendKind::Flex;
    if cpu && plan.defense.is_none() && plan.batch_size <= 16 {
        rayon::current_num_threads().clamp(1, 8)
    } else {
        1
    }
}

/// The records of one batch (their `index` is set by the caller); `columns` are the
/// evaluation's attack columns, whose stage names the batch may extend.
fn evaluate_batch(
    model: &LoadedModel,
    plan: &EvalPlan,
    control: &AttackControl<'_>,
    batch: &Tensor<4>,
    labels: &[usize],
    evaluation: &ScanEvaluation,
    columns: &mut [AttackColumn],
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
    for (attack, column) in columns.iter_mut().enumerate() {
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
