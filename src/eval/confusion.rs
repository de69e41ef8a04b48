//! Confusion matrices with per-class precision, recall and F1, and the histogram of the ε at
//! which scans flip — read from an evaluation's per-scan records.

use super::scan_records::{Fragility, ScanEvaluation};

/// Counts of (true class, predicted class); abstentions (randomized smoothing) in a column of
/// their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    /// `counts[true][predicted]`.
    pub counts: Vec<Vec<usize>>,
    /// Per true class, how many scans the model abstained on.
    pub abstained: Vec<usize>,
}

/// One class's precision, recall and F1 (`None` where undefined: nothing predicted or no
/// scan of the class).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassScores {
    /// Of the scans predicted as the class, the fraction that are.
    pub precision: Option<f64>,
    /// Of the scans of the class, the fraction predicted as it.
    pub recall: Option<f64>,
    /// Harmonic mean of the two.
    pub f1: Option<f64>,
    /// Scans of the class.
    pub support: usize,
}

impl ConfusionMatrix {
    /// An empty matrix for `classes` classes.
    #[must_use]
    pub fn new(classes: usize) -> Self {
        Self {
            counts: vec![vec![0; classes]; classes],
            abstained: vec![0; classes],
        }
    }

    /// Adds one scan of class `label` predicted as `predicted` (`None`: abstained).
    pub fn add(&mut self, label: usize, predicted: Option<usize>) {
        let classes = self.counts.len();
        if label >= classes {
            return;
        }
        match predicted {
            Some(class) if class < classes => self.counts[label][class] += 1,
            _ => self.abstained[label] += 1,
        }
    }

    /// The largest count in any cell (0 for an empty matrix), for colour scales.
    #[must_use]
    pub fn largest_count(&self) -> usize {
        self.counts.iter().flatten().copied().max().unwrap_or(0)
    }

    /// All scans counted.
    #[must_use]
    pub fn total(&self) -> usize {
        self.counts.iter().flatten().sum::<usize>() + self.abstained.iter().sum::<usize>()
    }

    /// The fraction on the diagonal.
    #[must_use]
    pub fn accuracy(&self) -> Option<f64> {
        let total = self.total();
        let right: usize = (0..self.counts.len()).map(|c| self.counts[c][c]).sum();
        (total > 0).then(|| right as f64 / total as f64)
    }

    /// Precision, recall and F1 of `class`.
    #[must_use]
    pub fn scores(&self, class: usize) -> ClassScores {
        let right = self.counts[class][class];
        let predicted: usize = self.counts.iter().map(|row| row[class]).sum();
        let support = self.counts[class].iter().sum::<usize>() + self.abstained[class];
        let precision = (predicted > 0).then(|| right as f64 / predicted as f64);
        let recall = (support > 0).then(|| right as f64 / support as f64);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        ClassScores {
            precision,
            recall,
            f1,
            support,
        }
    }
}

/// How many scans of each class flip in each ε bin.
#[derive(Debug, Clone, PartialEq)]
pub struct FlipHistogram {
    /// Upper edges of the bins (ε, [0, 1] scale), smallest first; a scan lands in the first
    /// bin whose edge is at least its flipping ε.
    pub edges: Vec<f64>,
    /// `counts[class][bin]`.
    pub counts: Vec<Vec<usize>>,
    /// Per class, the scans the attack did not flip at the largest ε.
    pub held: Vec<usize>,
    /// Per class, the scans wrong before the attack.
    pub already_wrong: Vec<usize>,
}

impl FlipHistogram {
    /// The tallest bar: the largest count in any bin, the held scans included.
    #[must_use]
    pub fn tallest(&self) -> usize {
        self.counts
            .iter()
            .flatten()
            .chain(&self.held)
            .copied()
            .max()
            .unwrap_or(0)
    }
}

impl ScanEvaluation {
    /// The confusion matrix of the clean scans.
    #[must_use]
    pub fn clean_confusion(&self) -> ConfusionMatrix {
        let mut matrix = ConfusionMatrix::new(self.classes.len());
        for record in &self.records {
            matrix.add(record.label, record.clean.predicted);
        }
        matrix
    }

    /// The confusion matrix under attack `attack` at ε index `epsilon`.
    #[must_use]
    pub fn attacked_confusion(&self, attack: usize, epsilon: usize) -> ConfusionMatrix {
        let mut matrix = ConfusionMatrix::new(self.classes.len());
        for record in &self.records {
            matrix.add(
                record.label,
                record.attacks[attack].per_epsilon[epsilon].predicted,
            );
        }
        matrix
    }

    /// The histogram of flipping ε per class under `attack`, binned on the plan's positive ε
    /// (a minimal attack's continuous sizes fall into the grid bin at or above them; sizes
    /// beyond the largest ε count as held).
    #[must_use]
    pub fn flip_histogram(&self, attack: usize) -> FlipHistogram {
        let edges: Vec<f64> = self
            .attacked_epsilon_order()
            .iter()
            .map(|&i| self.epsilons[i])
            .collect();
        let classes = self.classes.len();
        let mut histogram = FlipHistogram {
            counts: vec![vec![0; edges.len()]; classes],
            held: vec![0; classes],
            already_wrong: vec![0; classes],
            edges,
        };
        for record in &self.records {
            let Some(label) = (record.label < classes).then_some(record.label) else {
                continue;
            };
            match self.fragility(record, attack) {
                Fragility::AlreadyWrong => histogram.already_wrong[label] += 1,
                Fragility::Holds => histogram.held[label] += 1,
                Fragility::FlipsAt(epsilon) => {
                    match histogram
                        .edges
                        .iter()
                        .position(|edge| epsilon <= edge + super::scan_records::FLOAT_SLACK)
                    {
                        Some(bin) => histogram.counts[label][bin] += 1,
                        None => histogram.held[label] += 1,
                    }
                }
            }
        }
        histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_match_a_hand_computed_case() {
        // True 0: 3 → 0, 1 → 1.  True 1: 2 → 1, 2 → 0.  True 2: 1 → 2, 1 abstained.
        let mut matrix = ConfusionMatrix::new(3);
        for (label, predicted) in [
            (0, Some(0)),
            (0, Some(0)),
            (0, Some(0)),
            (0, Some(1)),
            (1, Some(1)),
            (1, Some(1)),
            (1, Some(0)),
            (1, Some(0)),
            (2, Some(2)),
            (2, None),
        ] {
            matrix.add(label, predicted);
        }
        assert_eq!(matrix.total(), 10);
        assert_eq!(matrix.accuracy(), Some(0.6));
        let zero = matrix.scores(0);
        // Precision 3/5, recall 3/4, F1 = 2·0.6·0.75 / 1.35 = 2/3.
        assert!((zero.precision.unwrap() - 0.6).abs() < 1e-12);
        assert!((zero.recall.unwrap() - 0.75).abs() < 1e-12);
        assert!((zero.f1.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        let one = matrix.scores(1);
        assert!((one.precision.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((one.recall.unwrap() - 0.5).abs() < 1e-12);
        assert!((one.f1.unwrap() - 4.0 / 7.0).abs() < 1e-12);
        let two = matrix.scores(2);
        assert_eq!(two.precision, Some(1.0));
        assert_eq!(two.recall, Some(0.5));
        assert_eq!(two.support, 2);
        let empty = ConfusionMatrix::new(2).scores(1);
        assert_eq!(
            (empty.precision, empty.recall, empty.f1),
            (None, None, None)
        );
    }
}
