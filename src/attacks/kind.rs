//! The attack families: their names on the command line, and what each is (iterative,
//! minimal, sparse, score-based, with or without ε) — the facts the engine, the CLI, `eval` and
//! the window branch on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{AttackError, Norm};

/// The attack family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttackKind {
    /// Fast Gradient Sign Method (Goodfellow et al. 2015): one step of size ε along the sign
    /// of the loss gradient.
    Fgsm,
    /// Basic Iterative Method / I-FGSM (Kurakin et al. 2017): small sign steps from the
    /// clean image, projected back into the ε-ball.
    Bim,
    /// Projected Gradient Descent (Madry et al. 2018) in L∞: BIM from a random start, with
    /// restarts.
    Pgd,
    /// PGD in L2: normalised gradient steps, projection onto the L2 ball of radius ε.
    PgdL2,
    /// Momentum Iterative FGSM (Dong et al. 2018): sign steps along an accumulated,
    /// L1-normalised gradient.
    MiFgsm,
    /// Random noise of the same size: the control that shows an attack is not just noise.
    Noise,
    /// DeepFool (Moosavi-Dezfooli et al. 2016): walks to the nearest decision boundary of the
    /// locally linearised model; a minimal attack (no ε), L2 or L∞.
    DeepFool,
    /// Carlini–Wagner L2 (2017): minimises ‖δ‖₂² + c·margin with Adam in tanh space, with a
    /// binary search over c; a minimal attack (no ε).
    CarliniWagner,
    /// APGD with cross-entropy (Croce & Hein 2020): PGD with momentum 0.75 and a step size
    /// that halves at checkpoints when progress stalls; L∞ or L2.
    ApgdCe,
    /// APGD with the difference-of-logits-ratio loss (needs ≥ 3 classes; cross-entropy on a
    /// binary model, and the run says so); L∞ or L2.
    ApgdDlr,
    /// Square attack (Andriushchenko et al. 2020): random square updates accepted when the
    /// margin drops; uses only the model's scores, never a gradient; L∞.
    Square,
    /// AutoAttack-lite: APGD-CE, then targeted APGD, then Square, each on the images still
    /// classified correctly (AutoAttack without FAB).
    AutoAttack,
    /// A universal perturbation fitted beforehand on a set of scans (`advlens uap`), added to
    /// this scan: one δ for all; no gradient on this scan.
    Universal,
    /// JSMA (Papernot et al. 2016): changes the most salient pixel by θ, one at a time, from
    /// the gradients of the target's and the other classes' logits; an L0 budget (γ), no ε.
    Jsma,
    /// One-pixel / few-pixel attack (Su et al. 2019): differential evolution over k pixels'
    /// positions and values, from the model's scores only; an L0 budget, no ε.
    FewPixel,
}

impl AttackKind {
    /// Every attack, in menu order.
    pub const ALL: [Self; 15] = [
        Self::Fgsm,
        Self::Bim,
        Self::Pgd,
        Self::PgdL2,
        Self::MiFgsm,
        Self::ApgdCe,
        Self::ApgdDlr,
        Self::AutoAttack,
        Self::DeepFool,
        Self::CarliniWagner,
        Self::Square,
        Self::Jsma,
        Self::FewPixel,
        Self::Universal,
        Self::Noise,
    ];

    /// The norm its ε is measured in when the family fixes it (the others take
    /// [`AttackConfig::norm_choice`]).
    #[must_use]
    pub fn default_norm(self) -> Norm {
        if matches!(self, Self::PgdL2 | Self::CarliniWagner) {
            Norm::L2
        } else {
            Norm::Linf
        }
    }

    /// Whether the user chooses its norm (L∞ or L2).
    #[must_use]
    pub fn has_norm_choice(self) -> bool {
        matches!(
            self,
            Self::Noise
                | Self::DeepFool
                | Self::ApgdCe
                | Self::ApgdDlr
                | Self::Square
                | Self::AutoAttack
        )
    }

    /// Whether it takes many model evaluations (gradient steps or queries), so that the
    /// window runs it on request rather than on every slider move.
    #[must_use]
    pub fn is_iterative(self) -> bool {
        !matches!(self, Self::Fgsm | Self::Noise | Self::Universal)
    }

    /// Whether it looks for the smallest perturbation that flips the prediction instead of
    /// staying within a given ε.
    #[must_use]
    pub fn is_minimal(self) -> bool {
        matches!(self, Self::DeepFool | Self::CarliniWagner)
    }

    /// Whether it changes only a few pixels (an L0 budget of k pixels) instead of staying
    /// within an ε.
    #[must_use]
    pub fn is_sparse(self) -> bool {
        matches!(self, Self::FewPixel | Self::Jsma)
    }

    /// Whether ε is one of its parameters (not for the minimal and the sparse attacks).
    #[must_use]
    pub fn uses_epsilon(self) -> bool {
        !self.is_minimal() && !self.is_sparse() && self != Self::Universal
    }

    /// Whether the window draws its ε sweep (the attack run at many ε): not for the minimal
    /// attacks, which have no ε, nor for AutoAttack-lite and Square, whose thousands of
    /// queries per point would keep the worker busy for minutes.
    #[must_use]
    pub fn sweeps(self) -> bool {
        self.uses_epsilon() && !matches!(self, Self::AutoAttack | Self::Square)
    }

    /// Whether its iterations can be replayed one by one (the sign/L2 step loop of BIM, PGD and
    /// MI-FGSM reports each iterate).
    #[must_use]
    pub fn replays_iterations(self) -> bool {
        matches!(self, Self::Bim | Self::Pgd | Self::PgdL2 | Self::MiFgsm)
    }

    /// Whether it uses only the model's output scores (queries), never a gradient.
    #[must_use]
    pub fn is_score_based(self) -> bool {
        matches!(self, Self::Square | Self::FewPixel)
    }

    /// The iterations a new configuration of this family starts with: 100 for APGD and C&W
    /// (per binary-search step), as their authors run them, 50 for DeepFool and for the
    /// few-pixel attack's generations, else 20.
    #[must_use]
    pub fn default_steps(self) -> usize {
        match self {
            Self::ApgdCe | Self::ApgdDlr | Self::AutoAttack | Self::CarliniWagner => 100,
            Self::DeepFool | Self::FewPixel => 50,
            _ => 20,
        }
    }
}

impl fmt::Display for AttackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fgsm => "fgsm",
            Self::Bim => "bim",
            Self::Pgd => "pgd",
            Self::PgdL2 => "pgd-l2",
            Self::MiFgsm => "mifgsm",
            Self::Noise => "noise",
            Self::DeepFool => "deepfool",
            Self::CarliniWagner => "cw",
            Self::ApgdCe => "apgd-ce",
            Self::ApgdDlr => "apgd-dlr",
            Self::Square => "square",
            Self::AutoAttack => "autoattack",
            Self::FewPixel => "few-pixel",
            Self::Jsma => "jsma",
            Self::Universal => "universal",
        })
    }
}

impl FromStr for AttackKind {
    type Err = AttackError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.to_ascii_lowercase();
        let alias = match lower.as_str() {
            "i-fgsm" | "ifgsm" => "bim",
            "mi-fgsm" => "mifgsm",
            "pgdl2" => "pgd-l2",
            "c&w" | "cw-l2" | "carlini-wagner" => "cw",
            "apgd" | "apgdce" => "apgd-ce",
            "apgddlr" => "apgd-dlr",
            "autoattack-lite" | "aa" => "autoattack",
            "one-pixel" | "onepixel" | "pixel" | "fewpixel" => "few-pixel",
            "uap" => "universal",
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|kind| kind.to_string() == alias)
            .ok_or_else(|| {
                AttackError::InvalidParameter(format!(
                    "unknown attack '{text}': expected one of fgsm, bim, pgd, pgd-l2, mifgsm, apgd-ce, apgd-dlr, autoattack, deepfool, cw, square, jsma, few-pixel, universal or noise"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in AttackKind::ALL {
            assert_eq!(kind.to_string().parse::<AttackKind>().unwrap(), kind);
        }
        assert_eq!("I-FGSM".parse::<AttackKind>().unwrap(), AttackKind::Bim);
        assert_eq!(
            "C&W".parse::<AttackKind>().unwrap(),
            AttackKind::CarliniWagner
        );
        assert_eq!("apgd".parse::<AttackKind>().unwrap(), AttackKind::ApgdCe);
    }
}
