//! One batch of an evaluation: how the (defended) model judges each scan, and each attack's
//! records at every ε — run at each ε for the attacks with one, once for the minimal and sparse
//! attacks (whose result counts at ε where the perturbation they needed fits within it).

use burn::tensor::Tensor;

use super::EvalError;
use super::run::EvalPlan;
use super::scan_records::{AttackColumn, FLOAT_SLACK, Judgement, NeededSize, ScanAttackRecord};
use crate::attacks::{
    AttackConfig, AttackControl, AttackOutcome, Norm, predicted_class, probabilities, run_attack,
};
use crate::defenses::{DefenseConfig, defended_predict};
use crate::models::LoadedModel;

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
pub(super) struct BatchAttack {
    pub(super) records: Vec<ScanAttackRecord>,
    /// The adversarial batch per ε index (attacks without ε: one, at index 0).
    pub(super) adversarials: Vec<Option<Tensor<4>>>,
    /// Attacks without ε: the judgement of each image's adversarial scan.
    pub(super) unbudgeted: Vec<Judgement>,
}

/// What one batch's evaluation shares.
pub(super) struct BatchContext<'a> {
    pub(super) model: &'a LoadedModel,
    pub(super) plan: &'a EvalPlan,
    pub(super) control: &'a AttackControl<'a>,
    pub(super) batch: &'a Tensor<4>,
    pub(super) labels: &'a [usize],
    pub(super) clean: &'a [Judgement],
}

impl BatchContext<'_> {
    fn defense(&self) -> Option<&DefenseConfig> {
        self.plan.defense.as_ref()
    }

    fn attack(&self, config: &AttackConfig) -> Result<AttackOutcome, EvalError> {
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
    pub(super) fn budgeted(&self, attack: &mut AttackColumn) -> Result<BatchAttack, EvalError> {
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
            attack.add_stage_names(outcome.stages.iter().map(|stage| &stage.name));
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
    pub(super) fn unbudgeted(&self, attack: &AttackColumn) -> Result<BatchAttack, EvalError> {
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

pub(super) fn read_values(tensor: Tensor<4>) -> Result<Vec<f32>, EvalError> {
    tensor
        .into_data()
        .try_to_vec()
        .map_err(|err| EvalError::Other(format!("reading a batch back: {err:?}")))
}
