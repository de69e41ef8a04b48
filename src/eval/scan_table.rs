//! The robustness table read from the per-scan records: accuracy per attack and ε, the
//! AutoAttack-lite stage rows, and the perturbation sizes the minimal attacks needed.

use super::scan_records::{ScanEvaluation, fraction};
use crate::attacks::Norm;
use crate::models::{NeededNorm, RobustnessRow, RobustnessTable};

impl ScanEvaluation {
    /// The robustness table of the images evaluated so far (the layout of the survey's
    /// Table 4: rows attacks, columns ε).
    #[must_use]
    pub fn table(&self) -> RobustnessTable {
        let mut rows = Vec::new();
        for (index, column) in self.attacks.iter().enumerate() {
            rows.extend(self.stage_rows(index));
            rows.push(RobustnessRow {
                attack: column.name.clone(),
                accuracy: (0..self.epsilons.len())
                    .map(|e| self.accuracy(index, e))
                    .collect(),
                needed: self.needed_norm(index),
            });
        }
        RobustnessTable {
            model: self.model.clone(),
            source: self.source.clone(),
            images: self.done(),
            defense: self.defense.clone(),
            adaptive: self.adaptive,
            gradient: self.gradient.clone(),
            region: self.region.clone(),
            epsilons: self.epsilons.clone(),
            rows,
            seconds: self.seconds,
            device: self.device.clone(),
        }
    }

    /// AutoAttack-lite's rows after each stage but the clean check and the last (which repeat
    /// the clean column and the attack's own row) — only where the attack's judgement is the
    /// table's (no defence, or an adaptive attack).
    fn stage_rows(&self, attack: usize) -> Vec<RobustnessRow> {
        let column = &self.attacks[attack];
        if self.defense.is_some() && !self.adaptive {
            return Vec::new();
        }
        let shown = column.stage_names.len().saturating_sub(1);
        let clean = self.clean_accuracy();
        (1..shown)
            .map(|stage| RobustnessRow {
                attack: format!("↳ after {}", column.stage_names[stage]),
                accuracy: (0..self.epsilons.len())
                    .map(|e| {
                        if self.epsilons[e] <= 0.0 {
                            return clean;
                        }
                        fraction(self.records.iter().map(|r| {
                            r.attacks[attack]
                                .stages
                                .get(e)
                                .and_then(|flags| flags.get(stage))
                                .copied()
                                .unwrap_or(false)
                        }))
                    })
                    .collect(),
                needed: None,
            })
            .collect()
    }

    /// For an attack without ε: the median size of the perturbations that flipped a scan the
    /// model had right, in the attack's own norm.
    fn needed_norm(&self, attack: usize) -> Option<NeededNorm> {
        let column = &self.attacks[attack];
        if column.config.kind.uses_epsilon() {
            return None;
        }
        let right: Vec<_> = self
            .records
            .iter()
            .filter(|r| r.clean.is_right(r.label))
            .collect();
        let mut flipped: Vec<f64> = right
            .iter()
            .filter_map(|r| r.attacks[attack].needed)
            .filter(|needed| needed.fooled)
            .map(|needed| needed.own)
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
        Some(NeededNorm {
            norm: if column.config.kind.is_sparse() {
                "l0"
            } else if column.config.norm() == Norm::L2 {
                "l2"
            } else {
                "linf"
            }
            .to_string(),
            median,
            flipped: flipped.len(),
            attacked: right.len(),
        })
    }
}
