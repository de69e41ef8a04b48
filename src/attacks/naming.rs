//! Attacks in words, in one place: the menu name and the one-sentence explanation of a
//! family, the row name of an evaluation table (`PGD-20`) and the title of a run
//! (`PGD (L∞), ε = 2.00/255, 20 steps`). The window, the CLI, `eval` and the exports all use
//! these.

use super::epsilon::format_radius_short;
use super::{AttackConfig, AttackKind, Norm};

impl AttackKind {
    /// The name menus and titles show: `FGSM`, `PGD (L∞)`, `Random noise (control)`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Fgsm => "FGSM",
            Self::Bim => "BIM (I-FGSM)",
            Self::Pgd => "PGD (L∞)",
            Self::PgdL2 => "PGD (L2)",
            Self::MiFgsm => "MI-FGSM",
            Self::Noise => "Random noise (control)",
            Self::DeepFool => "DeepFool (minimal)",
            Self::CarliniWagner => "Carlini–Wagner L2 (minimal)",
            Self::ApgdCe => "APGD-CE",
            Self::ApgdDlr => "APGD-DLR",
            Self::Square => "Square (black-box)",
            Self::AutoAttack => "AutoAttack-lite (no FAB)",
            Self::FewPixel => "Few-pixel (black-box, L0)",
            Self::Jsma => "JSMA (sparse, L0)",
            Self::Universal => "Universal perturbation (fitted on a set)",
        }
    }

    /// What its progress counts: `queries` (Square), `generations` (few-pixel) or `steps`.
    #[must_use]
    pub fn progress_unit(self) -> &'static str {
        match self {
            Self::Square => "queries",
            Self::FewPixel => "generations",
            Self::Jsma => "pixels",
            _ => "steps",
        }
    }

    /// One sentence in plain words, for the menu's explanation.
    #[must_use]
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Fgsm => {
                "Nudges every pixel by ε in the direction that most increases the model's error, in one step."
            }
            Self::Bim => "Takes many small FGSM steps, staying within ε of the original image.",
            Self::Pgd => {
                "Like BIM but starts from a random point near the image and can restart; the standard strong attack."
            }
            Self::PgdL2 => {
                "PGD that limits the total energy of the change (L2 norm) instead of the largest pixel change."
            }
            Self::MiFgsm => {
                "Iterative steps that keep momentum from earlier steps, giving smoother, more transferable changes."
            }
            Self::Noise => {
                "Random noise of exactly the same size as the attack: shows that size alone does not fool the model."
            }
            Self::DeepFool => {
                "Steps to the nearest decision boundary of the model's local linear picture: finds how small a change is enough."
            }
            Self::CarliniWagner => {
                "Optimises for the smallest overall change that still flips the answer, searching over how hard to push."
            }
            Self::ApgdCe => {
                "PGD that sets its own step size and uses momentum: a stronger check that PGD did not miss an attack."
            }
            Self::ApgdDlr => {
                "APGD with a loss that ignores how confident the model is overall, which defeats some gradient-masking models."
            }
            Self::Square => {
                "Changes random squares and keeps what lowers the model's score: needs only the answers, not the model's insides."
            }
            Self::AutoAttack => {
                "The standard robustness check: APGD, then targeted APGD, then Square, each on the scans still not fooled."
            }
            Self::FewPixel => {
                "Changes only a handful of pixels, as much as it likes, searching by evolution with the model's answers alone."
            }
            Self::Universal => {
                "One pattern, fitted once on many scans, that fools the model on scans it has never seen."
            }
            Self::Jsma => {
                "Brightens (or darkens) the single most telling pixel, one at a time, until the answer flips: few, visible changes."
            }
        }
    }
}

impl AttackConfig {
    /// JSMA's θ in words: `1`, `-0.1`, or `±0.1` when each pixel may move either way.
    fn jsma_theta_text(&self) -> String {
        if self.jsma_both_directions {
            format!("±{}", self.theta.abs())
        } else {
            self.theta.to_string()
        }
    }

    /// The name of a table row: `FGSM`, `noise`, `PGD-20`, `BIM-10`.
    #[must_use]
    pub fn row_name(&self) -> String {
        let norm = if self.norm() == Norm::L2 { "-L2" } else { "" };
        let family = match self.kind {
            AttackKind::Fgsm => return "FGSM".to_string(),
            AttackKind::Noise => return "noise".to_string(),
            AttackKind::Square => return format!("Square{norm}-{}q", self.queries),
            AttackKind::AutoAttack => {
                return format!(
                    "AutoAttack-lite{norm} (APGD-{}, Square-{}q)",
                    self.steps, self.queries
                );
            }
            AttackKind::DeepFool => return format!("DeepFool{norm}"),
            AttackKind::FewPixel => {
                return format!(
                    "Few-pixel (k={}, {}×{})",
                    self.pixels, self.population, self.steps
                );
            }
            AttackKind::Jsma => {
                return format!("JSMA (θ={}, γ={})", self.jsma_theta_text(), self.gamma);
            }
            AttackKind::Universal => return "UAP".to_string(),
            AttackKind::CarliniWagner => {
                return format!("C&W-L2 ({}×{})", self.search_steps, self.steps);
            }
            AttackKind::Bim => "BIM",
            AttackKind::Pgd => "PGD",
            AttackKind::PgdL2 => "PGD-L2",
            AttackKind::MiFgsm => "MI-FGSM",
            AttackKind::ApgdCe => return format!("APGD-CE{norm}-{}", self.steps),
            AttackKind::ApgdDlr => return format!("APGD-DLR{norm}-{}", self.steps),
        };
        format!("{family}-{}", self.steps)
    }

    /// The row name with ε where the attack has one, for small labels: `PGD-20 2.00/255`.
    #[must_use]
    pub fn short_label(&self) -> String {
        if self.kind.uses_epsilon() {
            format!(
                "{} {}",
                self.row_name(),
                format_radius_short(self.epsilon, self.norm())
            )
        } else {
            self.row_name()
        }
    }

    /// The run in words, for titles: `PGD (L∞), ε = 2.00/255, 20 steps`; an L2 radius is
    /// written as a length (`ε = 0.500 (L2)`).
    #[must_use]
    pub fn describe(&self) -> String {
        let norm = self.norm();
        match self.kind {
            AttackKind::DeepFool => {
                let name = if norm == Norm::L2 { "L2" } else { "L∞" };
                return format!(
                    "DeepFool ({name}), at most {} steps, overshoot {}",
                    self.steps, self.overshoot
                );
            }
            AttackKind::CarliniWagner => {
                return format!(
                    "Carlini–Wagner L2, {} searches × {} steps, κ = {}",
                    self.search_steps, self.steps, self.confidence
                );
            }
            AttackKind::Universal => {
                return match &self.universal {
                    Some(uap) => match uap.patch {
                        Some(placement) => format!(
                            "Adversarial patch {}×{} at ({}, {}) (fitted on {} scans of {})",
                            placement.side,
                            placement.side,
                            placement.row,
                            placement.column,
                            uap.fit_images,
                            uap.model
                        ),
                        None => format!(
                            "Universal perturbation, ε = {} (fitted on {} scans of {})",
                            format_radius_short(uap.epsilon, Norm::Linf),
                            uap.fit_images,
                            uap.model
                        ),
                    },
                    None => "Universal perturbation (none loaded)".to_string(),
                };
            }
            AttackKind::Jsma => {
                return format!(
                    "JSMA, θ = {}, at most {:.0} % of the pixels",
                    self.jsma_theta_text(),
                    100.0 * self.gamma
                );
            }
            AttackKind::FewPixel => {
                return format!(
                    "Few-pixel, at most {} pixels, population {}, {} generations",
                    self.pixels, self.population, self.steps
                );
            }
            AttackKind::Square => {
                let (name, unit) = if norm == Norm::L2 {
                    ("L2", " (L2)")
                } else {
                    ("L∞", "")
                };
                return format!(
                    "Square ({name}), ε = {}{unit}, {} queries",
                    format_radius_short(self.epsilon, norm),
                    self.queries
                );
            }
            _ => {}
        }
        let unit = if norm == Norm::L2 { " (L2)" } else { "" };
        let epsilon = format!("ε = {}{unit}", format_radius_short(self.epsilon, norm));
        if self.kind.is_iterative() {
            format!("{}, {epsilon}, {} steps", self.kind.label(), self.steps)
        } else {
            format!("{}, {epsilon}", self.kind.label())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_titles_follow_the_norm() {
        let pgd = AttackConfig::new(AttackKind::Pgd, 2.0 / 255.0).with_steps(20);
        assert_eq!(pgd.row_name(), "PGD-20");
        assert_eq!(pgd.describe(), "PGD (L∞), ε = 2.00/255, 20 steps");
        let l2 = AttackConfig::new(AttackKind::PgdL2, 0.5).with_steps(10);
        assert_eq!(l2.describe(), "PGD (L2), ε = 0.500 (L2), 10 steps");
        assert_eq!(AttackConfig::new(AttackKind::Fgsm, 0.0).row_name(), "FGSM");
        assert!(AttackKind::ALL.iter().all(|k| !k.label().is_empty()));
        let deepfool = AttackConfig::new(AttackKind::DeepFool, 0.0).with_norm(Norm::L2);
        assert_eq!(deepfool.row_name(), "DeepFool-L2");
        assert_eq!(
            deepfool.describe(),
            "DeepFool (L2), at most 50 steps, overshoot 0.02"
        );
        assert_eq!(
            AttackConfig::new(AttackKind::ApgdCe, 8.0 / 255.0).row_name(),
            "APGD-CE-100"
        );
        let square = AttackConfig::new(AttackKind::Square, 0.5)
            .with_norm(Norm::L2)
            .with_queries(1000);
        assert_eq!(square.row_name(), "Square-L2-1000q");
        assert_eq!(
            square.describe(),
            "Square (L2), ε = 0.500 (L2), 1000 queries"
        );
        assert_eq!(
            AttackConfig::new(AttackKind::Square, 4.0 / 255.0)
                .with_queries(1000)
                .row_name(),
            "Square-1000q"
        );
        let mut jsma = AttackConfig::new(AttackKind::Jsma, 0.0);
        jsma.theta = -0.1;
        jsma.gamma = 0.06;
        assert_eq!(jsma.row_name(), "JSMA (θ=-0.1, γ=0.06)");
        jsma.jsma_both_directions = true;
        assert_eq!(jsma.row_name(), "JSMA (θ=±0.1, γ=0.06)");
        assert_eq!(jsma.describe(), "JSMA, θ = ±0.1, at most 6 % of the pixels");
    }
}
