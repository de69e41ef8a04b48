//! The rows of the attacks without ε — the minimal ones (DeepFool, C&W) and the sparse ones
//! (JSMA, few-pixel): each runs once per batch, and the table reads its accuracy at every ε
//! from the perturbation it needed.

use burn::tensor::Tensor;

use super::EvalError;
use super::run::{EvalContext, Progress, correct_flags};
use crate::attacks::{AttackConfig, Norm, run_attack};
use crate::models::{NeededNorm, RobustnessRow};

/// How far a perturbation's measured L∞ may exceed ε and still count as within it: adding δ
/// and subtracting the scan again in f32 can overshoot by a few units in the last place
/// (6·10⁻⁸ near 0.5); a 16-bit grey level is 1.5·10⁻⁵.
const FLOAT_SLACK: f64 = 1e-6;

/// The row of an attack without ε (minimal or sparse): it runs once per batch; at each ε a
/// scan counts as fooled when the (defended) model is wrong on its result and, for a minimal
/// attack, the perturbation it needed fits within ε in L∞.
pub(super) fn minimal_row(
    context: &EvalContext<'_>,
    attack: &AttackConfig,
    progress: &mut Progress<'_>,
) -> Result<RobustnessRow, EvalError> {
    let defense = context.plan.defense.as_ref();
    let mut sizes: Vec<(f64, f64)> = Vec::new(); // (L∞, own norm) per image
    let mut clean_right = Vec::new();
    let mut adversarial_right = Vec::new();
    for (batch, labels) in context.batches() {
        let outcome = run_attack(
            &context.model.models,
            &batch,
            &labels,
            false,
            attack,
            &context.control,
        )?;
        clean_right.extend(correct_flags(context.model, &batch, &labels, defense)?);
        adversarial_right.extend(correct_flags(
            context.model,
            &outcome.adversarial,
            &labels,
            defense,
        )?);
        sizes.extend(per_image_sizes(
            &batch,
            &outcome.adversarial,
            attack.norm(),
            attack.kind.is_sparse(),
        )?);
        progress.step();
    }
    let count = context.images.len() as f32;
    // L0 attacks (JSMA, few-pixel, a patch) have no ε to fit within: their result counts in
    // every column.
    let every_column = attack.kind.is_sparse()
        || attack
            .universal
            .as_ref()
            .is_some_and(|uap| uap.patch.is_some());
    let accuracy = context
        .plan
        .epsilons
        .iter()
        .map(|&epsilon| {
            if epsilon <= 0.0 {
                return context.clean_accuracy;
            }
            let right = (0..sizes.len())
                .filter(|&i| {
                    // An L0 attack has no ε: its result counts in every column.
                    if every_column || sizes[i].0 <= epsilon + FLOAT_SLACK {
                        adversarial_right[i]
                    } else {
                        clean_right[i]
                    }
                })
                .count();
            right as f32 / count
        })
        .collect();
    let mut flipped: Vec<f64> = (0..sizes.len())
        .filter(|&i| clean_right[i] && !adversarial_right[i])
        .map(|i| sizes[i].1)
        .collect();
    flipped.sort_by(f64::total_cmp);
    let median = (!flipped.is_empty()).then(|| {
        let middle = flipped.len() / 2;
        if flipped.len() % 2 == 1 {
            flipped[middle]
        } else {
            0.5 * (flipped[middle - 1] + flipped[middle])
        }
    });
    Ok(RobustnessRow {
        attack: attack.row_name(),
        accuracy,
        needed: Some(NeededNorm {
            norm: if attack.kind.is_sparse() {
                "l0"
            } else if attack.norm() == Norm::L2 {
                "l2"
            } else {
                "linf"
            }
            .to_string(),
            median,
            flipped: flipped.len(),
            attacked: clean_right.iter().filter(|c| **c).count(),
        }),
    })
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
    let delta: Vec<f32> = adversarial
        .clone()
        .sub(clean.clone())
        .into_data()
        .try_to_vec()
        .map_err(|err| EvalError::Other(format!("reading the perturbation back: {err:?}")))?;
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
