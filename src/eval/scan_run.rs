//! Running an evaluation scan batch by scan batch: each batch is judged clean, then attacked
//! by every attack at every ε (the attacks without ε once), so that after each batch the
//! records hold complete scans — a cancelled evaluation keeps a consistent partial table.

use std::time::Instant;

use burn::tensor::Tensor;

use super::EvalError;
use super::run::EvalPlan;
use super::scan_records::{
    AttackColumn, FLOAT_SLACK, FlipEvidence, Fragility, Judgement, NeededSize, ScanAttackRecord,
    ScanEvaluation, ScanRecord,
};
use crate::attacks::{
    AttackConfig, AttackControl, AttackError, AttackKind, DefenseGradientPath, GradientRoute, Norm,
    predicted_class, probabilities, run_attack,
};
use crate::datasets::LabelledImages;
use crate::defenses::{DefenseConfig, DefensePath, defended_predict};
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

/// How the (defended) model judges each image of a batch.
pub(super) fn judge(
    model: &LoadedModel,
    images: &Tensor<4>,
    defense: Option<&DefenseConfig>,
) -> Result<Vec<Judgement>, EvalError> {
    Ok(match defense {
        None => probabilities(&model.models, images)?
            .into_iter()
            .map(|row| Judgement {
                predicted: Some(predicted_class(&row)),
                probabilities: row,
            })
            .collect(),
        Some(config) => {
            let defended = defended_predict(&model.models.inference, images, config)?;
            defended
                .probabilities
                .into_iter()
                .zip(defended.certificates)
                .map(|(row, certificate)| Judgement {
                    // Randomized smoothing abstains rather than guess; that counts as wrong.
                    predicted: match certificate {
                        Some(certificate) => certificate.class,
                        None => Some(predicted_class(&row)),
                    },
                    probabilities: row,
                })
                .collect()
        }
    })
}

/// One attack's results on one batch, per image, before the flip evidence is chosen.
struct BatchAttack {
    records: Vec<ScanAttackRecord>,
    /// The adversarial batch per ε index (attacks without ε: one, at index 0).
    adversarials: Vec<Option<Tensor<4>>>,
    /// Attacks without ε: the judgement of each image's adversarial scan.
    unbudgeted: Vec<Judgement>,
}

/// What one batch's evaluation shares.
struct BatchContext<'a> {
    model: &'a LoadedModel,
    plan: &'a EvalPlan,
    control: &'a AttackControl<'a>,
    batch: &'a Tensor<4>,
    labels: &'a [usize],
    clean: &'a [Judgement],
}

impl BatchContext<'_> {
    fn defense(&self) -> Option<&DefenseConfig> {
        self.plan.defense.as_ref()
    }

    fn attack(&self, config: &AttackConfig) -> Result<crate::attacks::AttackOutcome, EvalError> {
        Ok(run_attack(
            &self.model.models,
            self.batch,
            self.labels,
            false,
            config,
            self.control,
        )?)
    }

    /// An attack with ε, at every ε of the plan.
    fn budgeted(&self, attack: &mut AttackColumn) -> Result<BatchAttack, EvalError> {
        let images = self.labels.len();
        let mut records: Vec<ScanAttackRecord> = (0..images).map(|_| empty_record()).collect();
        let mut adversarials = Vec::with_capacity(self.plan.epsilons.len());
        for &epsilon in &self.plan.epsilons {
            if epsilon <= 0.0 {
                for (record, clean) in records.iter_mut().zip(self.clean) {
                    record.per_epsilon.push(clean.clone());
                    record.stages.push(Vec::new());
                }
                adversarials.push(None);
                continue;
            }
            let config = AttackConfig {
                epsilon,
                ..attack.config.clone()
            };
            let outcome = self.attack(&config)?;
            let judged = judge(self.model, &outcome.adversarial, self.defense())?;
            for (stage_index, stage) in outcome.stages.iter().enumerate() {
                if !attack.stage_names.contains(&stage.name) {
                    let at = stage_index.min(attack.stage_names.len());
                    attack.stage_names.insert(at, stage.name.clone());
                }
            }
            for (image, (record, judgement)) in records.iter_mut().zip(judged).enumerate() {
                record.per_epsilon.push(judgement);
                record.stages.push(
                    attack
                        .stage_names
                        .iter()
                        .map(|name| {
                            outcome
                                .stages
                                .iter()
                                .find(|s| s.name == *name)
                                .and_then(|s| s.robust.get(image).copied())
                                .unwrap_or(false)
                        })
                        .collect(),
                );
            }
            adversarials.push(Some(outcome.adversarial));
        }
        Ok(BatchAttack {
            records,
            adversarials,
            unbudgeted: Vec::new(),
        })
    }

    /// An attack without ε, run once; at each ε a minimal attack's result counts where the
    /// perturbation it needed fits within ε in L∞ (an L0 attack's counts everywhere).
    fn unbudgeted(&self, attack: &AttackColumn) -> Result<BatchAttack, EvalError> {
        let outcome = self.attack(&attack.config)?;
        let judged = judge(self.model, &outcome.adversarial, self.defense())?;
        let sizes = per_image_sizes(
            self.batch,
            &outcome.adversarial,
            attack.config.norm(),
            attack.config.kind.is_sparse(),
        )?;
        let every_column = attack.counts_in_every_column();
        let records = judged
            .iter()
            .zip(sizes)
            .zip(self.clean.iter().zip(self.labels))
            .map(|((adversarial, (linf, own)), (clean, &label))| {
                let per_epsilon = self
                    .plan
                    .epsilons
                    .iter()
                    .map(|&epsilon| {
                        if epsilon <= 0.0 {
                            clean.clone()
                        } else if every_column || linf <= epsilon + FLOAT_SLACK {
                            adversarial.clone()
                        } else {
                            clean.clone()
                        }
                    })
                    .collect();
                ScanAttackRecord {
                    per_epsilon,
                    needed: Some(NeededSize {
                        linf,
                        own,
                        fooled: !adversarial.is_right(label),
                    }),
                    stages: Vec::new(),
                    at_flip: None,
                }
            })
            .collect();
        Ok(BatchAttack {
            records,
            adversarials: vec![Some(outcome.adversarial)],
            unbudgeted: judged,
        })
    }
}

fn empty_record() -> ScanAttackRecord {
    ScanAttackRecord {
        per_epsilon: Vec::new(),
        needed: None,
        stages: Vec::new(),
        at_flip: None,
    }
}

/// Per image, the perturbation's L∞ size and its size in `norm` (the count of changed pixels
/// when `sparse`).
fn per_image_sizes(
    clean: &Tensor<4>,
    adversarial: &Tensor<4>,
    norm: Norm,
    sparse: bool,
) -> Result<Vec<(f64, f64)>, EvalError> {
    let images = clean.dims()[0];
    let delta = read_values(adversarial.clone().sub(clean.clone()))?;
    let pixels = delta.len() / images.max(1);
    Ok(delta
        .chunks(pixels.max(1))
        .map(|image| {
            let linf = image.iter().fold(0.0f64, |m, v| m.max(f64::from(v.abs())));
            let own = match norm {
                _ if sparse => image.iter().filter(|v| **v != 0.0).count() as f64,
                Norm::Linf => linf,
                Norm::L2 => image
                    .iter()
                    .map(|v| f64::from(*v).powi(2))
                    .sum::<f64>()
                    .sqrt(),
            };
            (linf, own)
        })
        .collect())
}

fn read_values(tensor: Tensor<4>) -> Result<Vec<f32>, EvalError> {
    tensor
        .into_data()
        .try_to_vec()
        .map_err(|err| EvalError::Other(format!("reading a batch back: {err:?}")))
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
