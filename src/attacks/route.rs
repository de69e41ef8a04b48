//! What the attacker differentiated: the bare model, the defence exactly, the defence by BPDA
//! (straight-through), with or without EOT over random draws, or nothing at all. The engine
//! decides it from the same calls that shape the gradient, and every output (window,
//! `result.json`, the figure, `recipe.json`, the CLI summary, the robustness tables) prints
//! [`GradientRoute::describe`], so all of them name the same thing.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::adaptive::DefenseGradientPath;
use super::kind::AttackKind;

/// The path the attack's gradient took.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GradientRoute {
    /// The bare model's gradient: no defence was chosen, or the attack ignored it.
    Model,
    /// No gradient: the random-noise control draws its direction without looking at the model.
    NoGradient,
    /// No gradient on this scan: a universal perturbation fitted beforehand on other scans.
    Precomputed,
    /// No gradient: a score-based attack that only queried the outputs — of the defended
    /// system when `through_defense`.
    ScoreQueries {
        /// Whether the queries went through the defence.
        through_defense: bool,
    },
    /// Through the defence.
    ThroughDefense {
        /// The defence's own gradient was replaced by the identity's (BPDA, straight-through),
        /// because it is not made of differentiable operations; otherwise it was differentiated
        /// exactly.
        straight_through: bool,
        /// Random draws of the defence averaged per gradient (EOT); 1 for a deterministic one.
        eot_draws: usize,
    },
}

impl GradientRoute {
    /// The route an attack of `kind` takes, through `path` when it attacks a defence.
    #[must_use]
    pub fn of(kind: AttackKind, path: Option<&dyn DefenseGradientPath>) -> Self {
        if kind == AttackKind::Noise {
            return Self::NoGradient;
        }
        if kind == AttackKind::Universal {
            return Self::Precomputed;
        }
        if kind.is_score_based() {
            return Self::ScoreQueries {
                through_defense: path.is_some(),
            };
        }
        match path {
            None => Self::Model,
            Some(path) => Self::ThroughDefense {
                straight_through: !path.differentiable(),
                eot_draws: path.samples().max(1),
            },
        }
    }

    /// Whether the attack saw the defence.
    #[must_use]
    pub fn through_defense(self) -> bool {
        matches!(
            self,
            Self::ThroughDefense { .. }
                | Self::ScoreQueries {
                    through_defense: true
                }
        )
    }

    /// The route in words, the same everywhere it is printed.
    #[must_use]
    pub fn describe(self) -> String {
        match self {
            Self::Model => "exact gradient of the undefended model".to_string(),
            Self::NoGradient => "no gradient (random-noise control)".to_string(),
            Self::Precomputed => {
                "no gradient on this scan: a universal perturbation fitted on other scans"
                    .to_string()
            }
            Self::ScoreQueries {
                through_defense: true,
            } => "no gradient: score queries to the defended model".to_string(),
            Self::ScoreQueries {
                through_defense: false,
            } => "no gradient: score queries to the model".to_string(),
            Self::ThroughDefense {
                straight_through,
                eot_draws,
            } => {
                let gradient = if straight_through {
                    "BPDA (straight-through) through the defence"
                } else {
                    "exact gradient through the defence"
                };
                if eot_draws > 1 {
                    format!("{gradient}, EOT over {eot_draws} draws")
                } else {
                    gradient.to_string()
                }
            }
        }
    }
}

impl fmt::Display for GradientRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attacks::AttackError;
    use burn::tensor::Tensor;

    struct Path {
        differentiable: bool,
        samples: usize,
    }

    impl DefenseGradientPath for Path {
        fn samples(&self) -> usize {
            self.samples
        }
        fn differentiable(&self) -> bool {
            self.differentiable
        }
        fn transform(&self, images: &Tensor<4>) -> Result<Tensor<4>, AttackError> {
            Ok(images.clone())
        }
    }

    #[test]
    fn the_route_names_what_the_gradient_did() {
        let exact = Path {
            differentiable: true,
            samples: 1,
        };
        let bpda_eot = Path {
            differentiable: false,
            samples: 8,
        };
        assert_eq!(
            GradientRoute::of(AttackKind::Pgd, Some(&exact)).describe(),
            "exact gradient through the defence"
        );
        assert_eq!(
            GradientRoute::of(AttackKind::Fgsm, Some(&bpda_eot)).describe(),
            "BPDA (straight-through) through the defence, EOT over 8 draws"
        );
        assert_eq!(
            GradientRoute::of(AttackKind::Noise, Some(&exact)),
            GradientRoute::NoGradient
        );
        assert_eq!(
            GradientRoute::of(AttackKind::Square, Some(&bpda_eot)).describe(),
            "no gradient: score queries to the defended model"
        );
        assert_eq!(
            GradientRoute::of(AttackKind::FewPixel, None).describe(),
            "no gradient: score queries to the model"
        );
        assert_eq!(
            GradientRoute::of(AttackKind::ApgdDlr, Some(&exact)).describe(),
            "exact gradient through the defence"
        );
        assert_eq!(
            GradientRoute::of(AttackKind::Bim, None),
            GradientRoute::Model
        );
        let json =
            serde_json::to_string(&GradientRoute::of(AttackKind::Pgd, Some(&bpda_eot))).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"through_defense","straight_through":true,"eot_draws":8}"#
        );
    }
}
