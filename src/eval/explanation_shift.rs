//! How far attacks move the explanation over a set of scans: for each attack with an ε and
//! each ε > 0, every scan's map of the clean image (for its predicted class) is compared with
//! the map of the adversarial image (for its predicted class) — Spearman's ρ, the top-10 % IoU
//! and the centroid shift — and the table gives their quartiles. This turns "the attack moves
//! where the model looks" from one scan into a measurement on the test split.

use burn::tensor::Tensor;

use super::EvalError;
use super::table::push;
use crate::attacks::{
    AttackConfig, AttackControl, format_epsilon, predicted_class, probabilities, run_attack,
};
use crate::datasets::LabelledImages;
use crate::device::ComputeDevice;
use crate::explain::host as explain_host;
use crate::explain::{
    ExplainConfig, ExplanationShift, Faithfulness, MapGeometry, deletion_insertion, explain_ranked,
    explanation_shift,
};
use crate::models::LoadedModel;

/// The first quartile, median and third quartile of a measure.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Quartiles {
    /// 25th percentile.
    pub q1: f64,
    /// 50th percentile.
    pub median: f64,
    /// 75th percentile.
    pub q3: f64,
}

impl Quartiles {
    /// No values: every quartile NaN.
    pub const NONE: Self = Self {
        q1: f64::NAN,
        median: f64::NAN,
        q3: f64::NAN,
    };

    /// Of a set of values (linear interpolation between order statistics); `None` when empty.
    #[must_use]
    pub fn of(values: &[f64]) -> Option<Self> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let position = q * (sorted.len() - 1) as f64;
            let low = position.floor() as usize;
            let high = position.ceil() as usize;
            sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
        };
        Some(Self {
            q1: at(0.25),
            median: at(0.5),
            q3: at(0.75),
        })
    }
}

/// One row: an attack at one ε.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ShiftRow {
    /// The attack's row name (`PGD-20`).
    pub attack: String,
    /// ε on the [0, 1] scale.
    pub epsilon: f64,
    /// Scans measured.
    pub images: usize,
    /// Share of them whose prediction the attack changed.
    pub flipped: f64,
    /// Spearman's ρ between the maps.
    pub spearman: Quartiles,
    /// Top-10 % IoU.
    pub top_iou: Quartiles,
    /// Centroid shift in pixels.
    pub centroid_px: Quartiles,
    /// Deletion and insertion areas of both maps, when the explanation asks for them.
    pub faithfulness: Option<FaithfulnessRow>,
}

/// Quartiles of the deletion and insertion areas (Petsiuk et al. 2018) over the scans.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct FaithfulnessRow {
    /// Deletion AUC of the clean maps (lower: more faithful).
    pub deletion_clean: Quartiles,
    /// Deletion AUC of the adversarial maps.
    pub deletion_adversarial: Quartiles,
    /// Insertion AUC of the clean maps (higher: more faithful).
    pub insertion_clean: Quartiles,
    /// Insertion AUC of the adversarial maps.
    pub insertion_adversarial: Quartiles,
}

impl FaithfulnessRow {
    fn of(all: &[Faithfulness]) -> Self {
        let measure = |pick: fn(&Faithfulness) -> f32| {
            let values: Vec<f64> = all.iter().map(|f| f64::from(pick(f))).collect();
            Quartiles::of(&values).unwrap_or(Quartiles::NONE)
        };
        Self {
            deletion_clean: measure(|f| f.clean.deletion_auc),
            deletion_adversarial: measure(|f| f.adversarial.deletion_auc),
            insertion_clean: measure(|f| f.clean.insertion_auc),
            insertion_adversarial: measure(|f| f.adversarial.insertion_auc),
        }
    }
}

/// What one batch's maps gave.
struct BatchMeasures {
    shifts: Vec<ExplanationShift>,
    faithfulness: Vec<Faithfulness>,
    flipped: usize,
}

/// The clean and adversarial maps of a batch compared scan by scan (and their deletion and
/// insertion curves, when asked for).
fn batch_measures(
    model: &LoadedModel,
    clean: &Tensor<4>,
    adversarial: &Tensor<4>,
    labels: &[usize],
    config: &ExplainConfig,
) -> Result<BatchMeasures, EvalError> {
    let images = clean.dims()[0];
    let width = clean.dims()[3];
    let clean_classes = classes_of(model, clean)?;
    let adversarial_classes = classes_of(model, adversarial)?;
    let mut shifts = Vec::with_capacity(images);
    let mut faithfulness = Vec::new();
    let mut flipped = 0;
    for image in 0..images {
        let one_clean = clean.clone().narrow(0, image, 1);
        let one_adversarial = adversarial.clone().narrow(0, image, 1);
        let (clean_class, adversarial_class) = config.target.classes(
            clean_classes[image],
            adversarial_classes[image],
            labels.get(image).copied().unwrap_or(clean_classes[image]),
        );
        let before = explain_ranked(&model.models, &one_clean, clean_class, config)?;
        let after = explain_ranked(&model.models, &one_adversarial, adversarial_class, config)?;
        shifts.push(explanation_shift(
            &explain_host(before.display)?,
            &explain_host(after.display)?,
            MapGeometry::plain(width),
        ));
        if config.deletion_insertion {
            faithfulness.push(Faithfulness {
                clean: deletion_insertion(&model.models, &one_clean, &before.ranking, clean_class)?,
                adversarial: deletion_insertion(
                    &model.models,
                    &one_adversarial,
                    &after.ranking,
                    adversarial_class,
                )?,
            });
        }
        flipped += usize::from(clean_classes[image] != adversarial_classes[image]);
    }
    Ok(BatchMeasures {
        shifts,
        faithfulness,
        flipped,
    })
}

fn classes_of(model: &LoadedModel, images: &Tensor<4>) -> Result<Vec<usize>, EvalError> {
    Ok(probabilities(&model.models, images)?
        .iter()
        .map(|row| predicted_class(row))
        .collect())
}

/// What the shift table measures.
#[derive(Debug, Clone, Copy)]
pub struct ShiftPlan<'a> {
    /// The attacks; those without an ε (minimal, sparse, universal) are skipped.
    pub attacks: &'a [AttackConfig],
    /// The radii; 0 is skipped (nothing moves).
    pub epsilons: &'a [f64],
    /// The explanation compared.
    pub explain: &'a ExplainConfig,
    /// Images per attack batch.
    pub batch_size: usize,
}

/// The shift table: each attack that has an ε, at each ε > 0, over `images` in batches.
/// `progress` hears (batches done, batches in all).
///
/// # Errors
/// [`EvalError`] from an attack or an explanation.
pub fn explanation_shift_table(
    model: &LoadedModel,
    images: &LabelledImages,
    plan: &ShiftPlan<'_>,
    device: &ComputeDevice,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Vec<ShiftRow>, EvalError> {
    let config = plan.explain;
    let size = plan.batch_size.max(1);
    let attacks: Vec<&AttackConfig> = plan
        .attacks
        .iter()
        .filter(|a| a.kind.uses_epsilon())
        .collect();
    let radii: Vec<f64> = plan.epsilons.iter().copied().filter(|e| *e > 0.0).collect();
    let batches = images.len().div_ceil(size);
    let total = attacks.len() * radii.len() * batches;
    let mut done = 0;
    let mut rows = Vec::new();
    for attack in attacks {
        for &epsilon in &radii {
            let run = AttackConfig {
                epsilon,
                ..attack.clone()
            };
            let mut shifts = Vec::new();
            let mut faithfulness = Vec::new();
            let mut flipped = 0;
            for start in (0..images.len()).step_by(size) {
                let (batch, labels) =
                    images.batch_range(start..(start + size).min(images.len()), &device.device);
                let outcome = run_attack(
                    &model.models,
                    &batch,
                    &labels,
                    false,
                    &run,
                    &AttackControl::default(),
                )?;
                let measured =
                    batch_measures(model, &batch, &outcome.adversarial, &labels, config)?;
                shifts.extend(measured.shifts);
                faithfulness.extend(measured.faithfulness);
                flipped += measured.flipped;
                done += 1;
                progress(done, total);
            }
            let measure = |pick: fn(&ExplanationShift) -> f64| {
                let values: Vec<f64> = shifts.iter().map(pick).collect();
                Quartiles::of(&values).unwrap_or(Quartiles::NONE)
            };
            rows.push(ShiftRow {
                attack: run.row_name(),
                epsilon,
                images: shifts.len(),
                flipped: flipped as f64 / shifts.len().max(1) as f64,
                spearman: measure(|s| s.spearman),
                top_iou: measure(|s| s.top_iou),
                centroid_px: measure(|s| s.centroid_shift_px),
                faithfulness: (!faithfulness.is_empty())
                    .then(|| FaithfulnessRow::of(&faithfulness)),
            });
        }
    }
    Ok(rows)
}

/// The table in Markdown: median [q1, q3] of each measure per attack and ε.
#[must_use]
pub fn shift_markdown(rows: &[ShiftRow], model: &str, config: &ExplainConfig) -> String {
    let curves = rows.iter().any(|r| r.faithfulness.is_some());
    let mut text = format!(
        "### {model} — how far {} moves (clean vs adversarial map)\n\nMedian [first quartile, third quartile] over the scans; ρ = 1 and IoU = 1: the map did not move.{}\n\n| attack | ε | scans | flipped | Spearman ρ | top-10 % IoU | centroid shift (px) |{}\n|---|---:|---:|---:|---|---|---|{}\n",
        config.describe(),
        if curves {
            " Deletion AUC (lower: the map finds what the model uses) and insertion AUC (higher), clean → adversarial map, each for its predicted class."
        } else {
            ""
        },
        if curves {
            " deletion AUC | insertion AUC |"
        } else {
            ""
        },
        if curves { "---|---|" } else { "" }
    );
    let cell = |q: &Quartiles, digits: usize| {
        format!(
            "{:.digits$} [{:.digits$}, {:.digits$}]",
            q.median, q.q1, q.q3
        )
    };
    for row in rows {
        push(
            &mut text,
            format_args!(
                "| {} | {} | {} | {:.0} % | {} | {} | {} |\n",
                row.attack,
                format_epsilon(row.epsilon),
                row.images,
                100.0 * row.flipped,
                cell(&row.spearman, 2),
                cell(&row.top_iou, 2),
                cell(&row.centroid_px, 1)
            ),
        );
        if let Some(f) = &row.faithfulness {
            text.pop();
            push(
                &mut text,
                format_args!(
                    " {} → {} | {} → {} |\n",
                    cell(&f.deletion_clean, 2),
                    cell(&f.deletion_adversarial, 2),
                    cell(&f.insertion_clean, 2),
                    cell(&f.insertion_adversarial, 2)
                ),
            );
        }
    }
    text
}

/// The table as CSV, one line per attack and ε.
#[must_use]
pub fn shift_csv(rows: &[ShiftRow]) -> String {
    let mut text = String::from(
        "attack,epsilon_255,scans,flipped,spearman_q1,spearman_median,spearman_q3,top_iou_q1,top_iou_median,top_iou_q3,centroid_px_q1,centroid_px_median,centroid_px_q3,deletion_auc_clean_median,deletion_auc_adversarial_median,insertion_auc_clean_median,insertion_auc_adversarial_median\n",
    );
    for row in rows {
        push(
            &mut text,
            format_args!(
                "{},{},{},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.4},{:.3},{:.3},{:.3},{}\n",
                row.attack,
                row.epsilon * 255.0,
                row.images,
                row.flipped,
                row.spearman.q1,
                row.spearman.median,
                row.spearman.q3,
                row.top_iou.q1,
                row.top_iou.median,
                row.top_iou.q3,
                row.centroid_px.q1,
                row.centroid_px.median,
                row.centroid_px.q3,
                row.faithfulness.map_or_else(
                    || ",,,".to_string(),
                    |f| format!(
                        "{:.4},{:.4},{:.4},{:.4}",
                        f.deletion_clean.median,
                        f.deletion_adversarial.median,
                        f.insertion_clean.median,
                        f.insertion_adversarial.median
                    )
                )
            ),
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_interpolate_between_order_statistics() {
        let q = Quartiles::of(&[4.0, 1.0, 3.0, 2.0, 5.0]).unwrap();
        assert_eq!((q.q1, q.median, q.q3), (2.0, 3.0, 4.0));
        let q = Quartiles::of(&[1.0, 2.0]).unwrap();
        assert_eq!((q.q1, q.median, q.q3), (1.25, 1.5, 1.75));
        assert!(Quartiles::of(&[]).is_none());
        assert!(Quartiles::of(&[f64::NAN]).is_none());
    }
}
