//! The segmentation robustness table (Muoka et al. 2023, Tables 5 and 7): rows are attack ×
//! adversarial loss, columns are ε, each cell the Dice, mean IoU and head-circumference error
//! of the attacked masks, on the same images for every cell; and where a Dice-vs-ε curve
//! halves.

use std::fmt::Write as _;

use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use super::evaluate::{score_split, summarize};
use super::{
    LoadedSegmenter, MaskedImages, SegmentationAttack, SegmentationError, SegmentationScores,
};
use crate::attacks::format_epsilon;

/// One row: an attack with its loss, at every ε.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentationRow {
    /// The attack and loss in words, e.g. `PGD-10 (dice loss)`.
    pub attack: String,
    /// One summary per ε, in the table's ε order.
    pub cells: Vec<SegmentationScores>,
}

/// The table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentationTable {
    /// The segmenter.
    pub model: String,
    /// Where the images came from, in words.
    pub source: String,
    /// The radii (L∞, [0, 1] scale).
    pub epsilons: Vec<f64>,
    /// Unattacked scores on the same images.
    pub clean: SegmentationScores,
    /// One row per attack × loss.
    pub rows: Vec<SegmentationRow>,
}

/// What a segmentation table measures.
#[derive(Debug, Clone)]
pub struct SegmentationPlan {
    /// The rows: kind, loss, steps and seed (their ε is replaced by each column's).
    pub attacks: Vec<SegmentationAttack>,
    /// The columns (0 gives the clean scores).
    pub epsilons: Vec<f64>,
    /// The first N images only.
    pub limit: Option<usize>,
    /// Images per batch.
    pub batch_size: usize,
}

/// A per-cell summary figure, if the cell has it.
type CellFigure = fn(&SegmentationScores) -> Option<f32>;

/// Evaluates every attack of `plan` at every ε on `split` (described by `source`). `on_cell`
/// is told after each cell (row, column) so that a caller can show progress.
///
/// # Errors
/// [`SegmentationError`] from an attack or a read-back.
pub fn evaluate_segmentation_robustness(
    model: &LoadedSegmenter,
    split: &MaskedImages,
    source: &str,
    plan: &SegmentationPlan,
    device: &Device,
    on_cell: &mut dyn FnMut(usize, usize),
) -> Result<SegmentationTable, SegmentationError> {
    let (attacks, epsilons) = (&plan.attacks, &plan.epsilons);
    let (limit, batch_size) = (plan.limit, plan.batch_size);
    let mut identity = |images: Tensor<4>, _: Tensor<4>| Ok(images);
    let clean_scores = score_split(
        &model.inference,
        split,
        limit,
        batch_size,
        device,
        &mut identity,
    )?;
    let mut rows = Vec::with_capacity(attacks.len());
    for (row, attack) in attacks.iter().enumerate() {
        let mut cells = Vec::with_capacity(epsilons.len());
        for (column, &epsilon) in epsilons.iter().enumerate() {
            let scores = if epsilon <= 0.0 {
                clean_scores.clone()
            } else {
                let attack = SegmentationAttack {
                    epsilon,
                    ..attack.clone()
                };
                let mut transform = |images: Tensor<4>, masks: Tensor<4>| {
                    attack.run(&model.differentiable, &images, &masks)
                };
                score_split(
                    &model.inference,
                    split,
                    limit,
                    batch_size,
                    device,
                    &mut transform,
                )?
            };
            cells.push(summarize(&scores, split));
            on_cell(row, column);
        }
        let name = attack.describe();
        rows.push(SegmentationRow {
            attack: name.split(", ε").next().unwrap_or(&name).to_string(),
            cells,
        });
    }
    Ok(SegmentationTable {
        model: model.card.name.clone(),
        source: source.to_string(),
        epsilons: epsilons.clone(),
        clean: summarize(&clean_scores, split),
        rows,
    })
}

/// The ε at which a Dice-vs-ε curve first falls to half its value at ε = 0 (linear between
/// the grid points), if it does.
#[must_use]
pub fn dice_halving_epsilon(curve: &[(f64, f32)]) -> Option<f64> {
    let (_, start) = *curve.first()?;
    let half = 0.5 * start;
    curve.windows(2).find_map(|pair| {
        let ((e0, d0), (e1, d1)) = (pair[0], pair[1]);
        (d1 <= half && d0 > half).then(|| {
            let t = f64::from((d0 - half) / (d0 - d1));
            e0 + t * (e1 - e0)
        })
    })
}

impl SegmentationTable {
    /// Markdown: a Dice table, a mean-IoU table and, where pixel sizes are known, the median
    /// head-circumference error.
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut text = format!(
            "Segmenter `{}` on {} ({} images). Clean: Dice {:.4}, mIoU {:.4}{}.\n",
            self.model,
            self.source,
            self.clean.images,
            self.clean.dice,
            self.clean.mean_iou,
            self.clean
                .hc_error_mm_median
                .map_or_else(String::new, |mm| format!(", median HC error {mm:.2} mm"))
        );
        let metrics: [(&str, CellFigure, usize); 4] = [
            ("Dice", |s| Some(s.dice), 4),
            ("mIoU", |s| Some(s.mean_iou), 4),
            ("median HC error (mm)", |s| s.hc_error_mm_median, 2),
            ("median HD95 (px)", |s| s.hd95_median_px, 1),
        ];
        for (title, value, digits) in metrics {
            if value(&self.clean).is_none() {
                continue;
            }
            let _ = write!(text, "\n**{title}**\n\n| attack |");
            for &epsilon in &self.epsilons {
                let _ = write!(text, " ε = {} |", format_epsilon(epsilon));
            }
            text.push_str("\n|---|");
            text.push_str(&"---:|".repeat(self.epsilons.len()));
            text.push('\n');
            for row in &self.rows {
                let _ = write!(text, "| {} |", row.attack);
                for cell in &row.cells {
                    let shown =
                        value(cell).map_or_else(|| "–".to_string(), |v| format!("{v:.digits$}"));
                    let _ = write!(text, " {shown} |");
                }
                text.push('\n');
            }
        }
        text
    }

    /// CSV: one line per attack × ε with every summary figure.
    #[must_use]
    pub fn csv(&self) -> String {
        let mut text = String::from(
            "attack,epsilon,epsilon_255,images,dice,dice_median,iou,mean_iou,hc_error_mm_median,hc_error_mm_mean\n",
        );
        let optional = |v: Option<f32>| v.map_or_else(String::new, |v| v.to_string());
        for row in &self.rows {
            for (cell, &epsilon) in row.cells.iter().zip(&self.epsilons) {
                let _ = writeln!(
                    text,
                    "{},{epsilon},{},{},{},{},{},{},{},{},{}",
                    row.attack,
                    epsilon * 255.0,
                    cell.images,
                    cell.dice,
                    cell.dice_median,
                    cell.iou,
                    cell.mean_iou,
                    optional(cell.hc_error_mm_median),
                    optional(cell.hc_error_mm_mean),
                    optional(cell.hd95_median_px)
                );
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::dice_halving_epsilon;

    #[test]
    fn the_halving_point_is_interpolated_between_grid_points() {
        let curve = [(0.0, 0.96), (0.01, 0.8), (0.02, 0.32), (0.03, 0.1)];
        // Half of 0.96 is 0.48: (0.8 − 0.48)/(0.8 − 0.32) = 2/3 of the way from 0.01 to 0.02.
        let at = dice_halving_epsilon(&curve).unwrap();
        assert!((at - (0.01 + 0.02 / 3.0)).abs() < 1e-6, "{at}");
        assert_eq!(dice_halving_epsilon(&[(0.0, 0.9), (0.1, 0.8)]), None);
        assert_eq!(dice_halving_epsilon(&[]), None);
    }
}
