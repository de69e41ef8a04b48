//! What a robustness evaluation recorded for every scan: the (defended) model's judgement of
//! the clean scan and of each attack's result at each ε, the perturbation a minimal attack
//! needed, AutoAttack-lite's stages, and the adversarial scan at the ε that flips it. The
//! robustness table, the confusion matrices, the fragility ranking and the report are all
//! read from these records, so they can never disagree with each other.

use crate::attacks::{AttackConfig, Norm};

/// How far a perturbation's measured L∞ may exceed ε and still count as within it: adding δ
/// and subtracting the scan again in f32 can overshoot by a few units in the last place
/// (6·10⁻⁸ near 0.5); a 16-bit grey level is 1.5·10⁻⁵.
pub(super) const FLOAT_SLACK: f64 = 1e-6;

/// How the (defended) model judged one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    /// The predicted class; `None` when randomized smoothing abstained.
    pub predicted: Option<usize>,
    /// Class probabilities (vote fractions behind a voting defence).
    pub probabilities: Vec<f32>,
}

impl Judgement {
    /// Whether the prediction is `label` (an abstention is wrong).
    #[must_use]
    pub fn is_right(&self, label: usize) -> bool {
        self.predicted == Some(label)
    }

    /// The probability of `class` (0 when out of range).
    #[must_use]
    pub fn probability_of(&self, class: usize) -> f32 {
        self.probabilities.get(class).copied().unwrap_or(0.0)
    }
}

/// The perturbation a minimal or sparse attack needed for one scan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeededSize {
    /// Its L∞ size.
    pub linf: f64,
    /// Its size in the attack's own norm (the changed-pixel count for a sparse attack).
    pub own: f64,
    /// Whether the model is wrong on the attack's result.
    pub fooled: bool,
}

/// One scan under one attack.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanAttackRecord {
    /// Per ε of the plan (in its order): the judgement of the adversarial scan (for ε ≤ 0, of
    /// the clean one; for a minimal attack, of its result where that fits within ε, else of
    /// the clean scan).
    pub per_epsilon: Vec<Judgement>,
    /// For the attacks without ε: the perturbation they needed.
    pub needed: Option<NeededSize>,
    /// For AutoAttack-lite, per ε of the plan: whether the scan was still right after each
    /// stage (in [`AttackColumn::stage_names`] order); empty otherwise.
    pub stages: Vec<Vec<bool>>,
    /// The adversarial scan at its flipping ε (`None` when nothing flipped it or it was
    /// wrong before the attack).
    pub at_flip: Option<FlipEvidence>,
}

/// The adversarial scan that flipped a scan, and how the model judged it.
#[derive(Debug, Clone, PartialEq)]
pub struct FlipEvidence {
    /// The model's judgement of it.
    pub judgement: Judgement,
    /// Its pixels as 16-bit grey levels (fine enough for a perturbation of 1/255).
    pub adversarial: Vec<u16>,
}

/// One scan of the set.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanRecord {
    /// Its position in the image set.
    pub index: usize,
    /// Its true class.
    pub label: usize,
    /// The judgement of the clean scan.
    pub clean: Judgement,
    /// One record per attack of the plan.
    pub attacks: Vec<ScanAttackRecord>,
}

/// An attack of the evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct AttackColumn {
    /// Its configuration (ε replaced by each of the plan's).
    pub config: AttackConfig,
    /// Its name in tables (`PGD-20`).
    pub name: String,
    /// AutoAttack-lite's stage names, in order (the first is the clean check).
    pub stage_names: Vec<String>,
}

impl AttackColumn {
    /// Adds the stage names not known yet, each at the position it has in `seen` (the
    /// columns grow this way as batches report their stages).
    pub fn add_stage_names<'a>(&mut self, seen: impl IntoIterator<Item = &'a String>) {
        for (index, name) in seen.into_iter().enumerate() {
            if !self.stage_names.contains(name) {
                let at = index.min(self.stage_names.len());
                self.stage_names.insert(at, name.clone());
            }
        }
    }

    /// Whether its flipping ε is read from the perturbation it needed (a minimal attack)
    /// rather than from the ε grid.
    #[must_use]
    pub fn measures_needed_size(&self) -> bool {
        self.config.kind.is_minimal() && self.config.norm() == Norm::Linf
    }

    /// Whether its result counts at every ε (an L0 attack or a patch: they have no ε).
    #[must_use]
    pub fn counts_in_every_column(&self) -> bool {
        self.config.kind.is_sparse()
            || self
                .config
                .universal
                .as_ref()
                .is_some_and(|uap| uap.patch.is_some())
    }
}

/// How fragile one scan is under one attack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fragility {
    /// The model was wrong before any attack.
    AlreadyWrong,
    /// The scan is fooled at this ε and (on the grid) at every larger one.
    FlipsAt(f64),
    /// The attack did not flip it at the largest ε.
    Holds,
}

impl Fragility {
    /// The flipping ε, if it flips.
    #[must_use]
    pub fn epsilon(self) -> Option<f64> {
        match self {
            Self::FlipsAt(epsilon) => Some(epsilon),
            Self::AlreadyWrong | Self::Holds => None,
        }
    }
}

/// Everything an evaluation recorded; partial while it runs or after a cancel.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanEvaluation {
    /// The model's name.
    pub model: String,
    /// Its classes.
    pub classes: Vec<String>,
    /// The images, in words (never a folder path).
    pub source: String,
    /// Images planned.
    pub planned: usize,
    /// Image height and width.
    pub size: [usize; 2],
    /// The ε values (L∞, [0, 1] scale), in the plan's order.
    pub epsilons: Vec<f64>,
    /// The attacks.
    pub attacks: Vec<AttackColumn>,
    /// The defence, in words (`None` for the bare model).
    pub defense: Option<String>,
    /// Whether the attacks went through the defence.
    pub adaptive: bool,
    /// What the gradient attacks differentiated through the defence, in words.
    pub gradient: Option<String>,
    /// The region the attacks were confined to, as `left,top,right,bottom`.
    pub region: Option<String>,
    /// One record per image evaluated so far, in set order.
    pub records: Vec<ScanRecord>,
    /// The original scans (16-bit grey levels, `size`), one per record.
    pub originals: Vec<Vec<u16>>,
    /// Wall time so far.
    pub seconds: f64,
    /// The device, in words.
    pub device: String,
    /// Whether every planned image was evaluated (false while running and after a cancel).
    pub finished: bool,
}

impl ScanEvaluation {
    /// Images evaluated so far.
    #[must_use]
    pub fn done(&self) -> usize {
        self.records.len()
    }

    /// Indices into `epsilons` of the positive ε, smallest first.
    #[must_use]
    pub fn attacked_epsilon_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.epsilons.len())
            .filter(|&i| self.epsilons[i] > 0.0)
            .collect();
        order.sort_by(|&a, &b| self.epsilons[a].total_cmp(&self.epsilons[b]));
        order
    }

    /// How fragile `record` is under attack `attack`: wrong before the attack; for a minimal
    /// L∞ attack, the L∞ size of the perturbation that fooled it; otherwise the smallest grid
    /// ε from which on it is fooled at every larger grid ε.
    #[must_use]
    pub fn fragility(&self, record: &ScanRecord, attack: usize) -> Fragility {
        if !record.clean.is_right(record.label) {
            return Fragility::AlreadyWrong;
        }
        let column = &self.attacks[attack];
        let scan = &record.attacks[attack];
        if column.measures_needed_size() {
            return match scan.needed {
                Some(needed) if needed.fooled => Fragility::FlipsAt(needed.linf),
                _ => Fragility::Holds,
            };
        }
        let mut flip = None;
        for &index in self.attacked_epsilon_order().iter().rev() {
            if scan.per_epsilon[index].is_right(record.label) {
                break;
            }
            flip = Some(self.epsilons[index]);
        }
        flip.map_or(Fragility::Holds, Fragility::FlipsAt)
    }

    /// Accuracy (fraction right) of the clean scans.
    #[must_use]
    pub fn clean_accuracy(&self) -> f32 {
        fraction(self.records.iter().map(|r| r.clean.is_right(r.label)))
    }

    /// Accuracy under attack `attack` at ε index `epsilon`.
    #[must_use]
    pub fn accuracy(&self, attack: usize, epsilon: usize) -> f32 {
        fraction(
            self.records
                .iter()
                .map(|r| r.attacks[attack].per_epsilon[epsilon].is_right(r.label)),
        )
    }

    /// The attack that leaves the lowest accuracy at the largest ε (the first on a tie): the
    /// one whose failures are worth inspecting first.
    #[must_use]
    pub fn strongest_attack(&self) -> usize {
        let Some(&largest) = self.attacked_epsilon_order().last() else {
            return 0;
        };
        (0..self.attacks.len())
            .min_by(|&a, &b| {
                self.accuracy(a, largest)
                    .total_cmp(&self.accuracy(b, largest))
                    .then(a.cmp(&b))
            })
            .unwrap_or(0)
    }

    /// The records ordered from the most fragile under `attack` (smallest flipping ε first,
    /// then the largest drop in the true class's probability), leaving out the scans that
    /// held and those wrong before the attack.
    #[must_use]
    pub fn most_fragile(&self, attack: usize) -> Vec<(&ScanRecord, f64)> {
        let mut flipped: Vec<(&ScanRecord, f64, f32)> = self
            .records
            .iter()
            .filter_map(|record| {
                let epsilon = self.fragility(record, attack).epsilon()?;
                Some((record, epsilon, self.confidence_drop(record, attack)))
            })
            .collect();
        flipped.sort_by(|a, b| {
            a.1.total_cmp(&b.1)
                .then(b.2.total_cmp(&a.2))
                .then(a.0.index.cmp(&b.0.index))
        });
        flipped.into_iter().map(|(r, e, _)| (r, e)).collect()
    }

    /// How much the true class's probability falls from the clean scan to the adversarial one
    /// at its flipping ε (at the largest ε when it holds).
    #[must_use]
    pub fn confidence_drop(&self, record: &ScanRecord, attack: usize) -> f32 {
        let clean = record.clean.probability_of(record.label);
        let scan = &record.attacks[attack];
        let adversarial = match &scan.at_flip {
            Some(evidence) => Some(&evidence.judgement),
            None => self
                .attacked_epsilon_order()
                .last()
                .map(|&i| &scan.per_epsilon[i]),
        };
        adversarial.map_or(0.0, |judgement| {
            clean - judgement.probability_of(record.label)
        })
    }
}

/// The fraction of `true` values (0 for none).
pub(super) fn fraction(values: impl Iterator<Item = bool>) -> f32 {
    let (right, all) = values.fold((0usize, 0usize), |(r, a), v| (r + usize::from(v), a + 1));
    if all == 0 {
        0.0
    } else {
        right as f32 / all as f32
    }
}

#[cfg(test)]
mod tests {
    use super::AttackColumn;
    use crate::attacks::AttackConfig;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_string()).collect()
    }

    #[test]
    fn stage_names_merge_keeps_what_is_known_and_adds_the_rest_in_place() {
        let mut column = AttackColumn {
            config: AttackConfig::default(),
            name: "AutoAttack-lite".to_string(),
            stage_names: names(&["clean", "APGD-CE", "Square"]),
        };
        column.add_stage_names(&names(&["clean", "APGD-CE"]));
        assert_eq!(
            column.stage_names,
            names(&["clean", "APGD-CE", "Square"]),
            "nothing lost"
        );
        column.add_stage_names(&names(&["clean", "APGD-CE", "APGD-T", "Square"]));
        assert_eq!(
            column.stage_names,
            names(&["clean", "APGD-CE", "APGD-T", "Square"])
        );
        column.stage_names.clear();
        column.add_stage_names(&names(&["clean", "APGD-CE"]));
        assert_eq!(column.stage_names, names(&["clean", "APGD-CE"]));
    }
}
