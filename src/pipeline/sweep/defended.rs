//! The ε sweep through a defence: the defended model's curve under an attack that ignores the
//! defence and under one that attacks through it, each with its own flip point, so that the
//! window can show how far a defence moves the flip and how much of that an adaptive attacker
//! takes back.

use serde::{Deserialize, Serialize};

use super::{FlipEstimate, SweepPoint};

/// Whether the attack of a defended curve knows the defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DefendedSetting {
    /// The attack is made against the model alone and then passed through the defence.
    Unaware,
    /// The attack differentiates through the defence (exact, BPDA or EOT).
    Adaptive,
}

impl DefendedSetting {
    /// The curve's name in a legend.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Unaware => "defended, attack unaware of it",
            Self::Adaptive => "defended, adaptive attack",
        }
    }
}

/// One curve of the defended model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DefendedSweep {
    /// Whether the attack knew the defence.
    pub setting: DefendedSetting,
    /// The grid and the bisection probes, in increasing ε: the defended model's probability
    /// (its vote share for a voting defence) of the label.
    pub points: Vec<SweepPoint>,
    /// The smallest ε found to flip the defended prediction, if any in range does.
    pub flip: Option<FlipEstimate>,
}
