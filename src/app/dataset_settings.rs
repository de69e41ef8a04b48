//! The data-set view's persisted choices: which scans, how many, which attacks at which ε,
//! through the workbench's defence or not, and a second model to compare.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::attacks::{AttackKind, parse_epsilon};

/// The attacks the data-set view offers (those with an L∞ budget, and DeepFool, whose needed
/// size is the flipping ε itself).
pub const EVALUATION_ATTACKS: [AttackKind; 7] = [
    AttackKind::Fgsm,
    AttackKind::Bim,
    AttackKind::Pgd,
    AttackKind::MiFgsm,
    AttackKind::ApgdCe,
    AttackKind::ApgdDlr,
    AttackKind::DeepFool,
];

/// What the data-set view evaluates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DatasetSettings {
    /// The split of the model's data set: test, val or train.
    pub split: String,
    /// A folder with one sub-folder per class, used instead of the split when set.
    pub folder: Option<PathBuf>,
    /// How many scans (the first of the split; classes interleaved for a folder).
    pub limit: usize,
    /// The attacks.
    pub attacks: Vec<AttackKind>,
    /// Steps of the iterative attacks (0: each attack's default).
    pub steps: usize,
    /// The ε grid, as typed (`0, 1/255, 2/255`).
    pub epsilons: String,
    /// Evaluate behind the workbench's defence (unaware or adaptive, as set there).
    pub through_defense: bool,
    /// A second shipped model to evaluate on the same scans.
    pub compare: Option<String>,
    /// Scans per batch; 0 = the fastest measured for the model's architecture.
    pub batch_size: usize,
}

impl Default for DatasetSettings {
    fn default() -> Self {
        Self {
            split: "test".to_string(),
            folder: None,
            limit: 64,
            attacks: vec![AttackKind::Fgsm, AttackKind::Pgd],
            steps: 10,
            epsilons: "0, 1/255, 2/255, 4/255, 8/255".to_string(),
            through_defense: false,
            compare: None,
            batch_size: 0,
        }
    }
}

impl DatasetSettings {
    /// Whether nothing differs from the defaults (then nothing is stored).
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The ε grid in [0, 1] units, sorted, without repeats.
    ///
    /// # Errors
    /// A message naming the entry that is not an ε, or when the grid has no positive ε.
    pub fn epsilon_grid(&self) -> Result<Vec<f64>, String> {
        let mut grid = Vec::new();
        for entry in self
            .epsilons
            .split([',', ' ', ';'])
            .filter(|e| !e.trim().is_empty())
        {
            let epsilon = parse_epsilon(entry.trim())
                .map_err(|err| format!("ε '{}': {err}", entry.trim()))?;
            grid.push(epsilon);
        }
        grid.sort_by(f64::total_cmp);
        grid.dedup();
        if !grid.iter().any(|e| *e > 0.0) {
            return Err("the ε list needs at least one ε above 0".to_string());
        }
        Ok(grid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_epsilon_grid_is_parsed_sorted_and_checked() {
        let settings = DatasetSettings {
            epsilons: "4/255, 0,1/255 1/255".to_string(),
            ..DatasetSettings::default()
        };
        assert_eq!(
            settings.epsilon_grid().unwrap(),
            vec![0.0, 1.0 / 255.0, 4.0 / 255.0]
        );
        let only_clean = DatasetSettings {
            epsilons: "0".to_string(),
            ..DatasetSettings::default()
        };
        assert!(only_clean.epsilon_grid().is_err());
        let bad = DatasetSettings {
            epsilons: "2/255, lots".to_string(),
            ..DatasetSettings::default()
        };
        assert!(bad.epsilon_grid().unwrap_err().contains("lots"));
    }
}
