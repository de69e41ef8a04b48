//! Typed attack choices and hyper-parameters with sensible defaults.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::AttackError;

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
}

impl AttackKind {
    /// Every attack, in menu order.
    pub const ALL: [Self; 6] = [
        Self::Fgsm,
        Self::Bim,
        Self::Pgd,
        Self::PgdL2,
        Self::MiFgsm,
        Self::Noise,
    ];

    /// The norm its ε is measured in (the noise control's norm is configurable).
    #[must_use]
    pub fn default_norm(self) -> Norm {
        if self == Self::PgdL2 {
            Norm::L2
        } else {
            Norm::Linf
        }
    }

    /// Whether it takes several gradient steps.
    #[must_use]
    pub fn is_iterative(self) -> bool {
        matches!(self, Self::Bim | Self::Pgd | Self::PgdL2 | Self::MiFgsm)
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
            other => other,
        };
        Self::ALL
            .into_iter()
            .find(|kind| kind.to_string() == alias)
            .ok_or_else(|| {
                AttackError::InvalidParameter(format!(
                    "unknown attack '{text}': expected fgsm, bim, pgd, pgd-l2, mifgsm or noise"
                ))
            })
    }
}

/// The norm that measures a perturbation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    /// Largest absolute pixel change.
    Linf,
    /// Euclidean length of the change.
    L2,
}

/// Distribution of the random-noise control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoiseDistribution {
    /// Gaussian noise, rescaled to norm ε.
    #[default]
    Gaussian,
    /// Uniform noise, rescaled to norm ε.
    Uniform,
}

/// Which class the attack aims at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "mode", content = "class")]
pub enum TargetSpec {
    /// Any class but the true one.
    #[default]
    Untargeted,
    /// This class.
    Class(usize),
    /// The class the model finds least likely on the clean image.
    LeastLikely,
}

/// Everything that defines an attack run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttackConfig {
    /// The family.
    pub kind: AttackKind,
    /// ε on the [0, 1] scale, in the attack's norm.
    pub epsilon: f64,
    /// Step size on the [0, 1] scale; `None` for the family's default.
    pub step_size: Option<f64>,
    /// Iterations for iterative attacks.
    pub steps: usize,
    /// Random restarts for PGD (1 = a single run).
    pub restarts: usize,
    /// Momentum decay for MI-FGSM.
    pub momentum: f64,
    /// Start PGD from a random point in the ε-ball.
    pub random_start: bool,
    /// Target.
    pub target: TargetSpec,
    /// Seed for every random choice.
    pub seed: u64,
    /// Distribution for the noise control.
    pub noise: NoiseDistribution,
    /// Norm the noise control is scaled in (the gradient attacks fix their own norm).
    pub noise_norm: Norm,
}

impl Default for AttackConfig {
    fn default() -> Self {
        Self {
            kind: AttackKind::Fgsm,
            epsilon: 2.0 / 255.0,
            step_size: None,
            steps: 20,
            restarts: 1,
            momentum: 1.0,
            random_start: true,
            target: TargetSpec::Untargeted,
            seed: 0,
            noise: NoiseDistribution::Gaussian,
            noise_norm: Norm::Linf,
        }
    }
}

impl AttackConfig {
    /// The default configuration of a family with a given ε.
    #[must_use]
    pub fn new(kind: AttackKind, epsilon: f64) -> Self {
        Self {
            kind,
            epsilon,
            ..Self::default()
        }
    }

    /// With this number of steps.
    #[must_use]
    pub fn with_steps(mut self, steps: usize) -> Self {
        self.steps = steps;
        self
    }

    /// With this step size.
    #[must_use]
    pub fn with_step_size(mut self, step_size: f64) -> Self {
        self.step_size = Some(step_size);
        self
    }

    /// With this many restarts.
    #[must_use]
    pub fn with_restarts(mut self, restarts: usize) -> Self {
        self.restarts = restarts;
        self
    }

    /// With this target.
    #[must_use]
    pub fn with_target(mut self, target: TargetSpec) -> Self {
        self.target = target;
        self
    }

    /// With this seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// With this momentum decay.
    #[must_use]
    pub fn with_momentum(mut self, momentum: f64) -> Self {
        self.momentum = momentum;
        self
    }

    /// The norm ε is measured in for this run.
    #[must_use]
    pub fn norm(&self) -> Norm {
        if self.kind == AttackKind::Noise {
            self.noise_norm
        } else {
            self.kind.default_norm()
        }
    }

    /// With this noise norm (for the noise control).
    #[must_use]
    pub fn with_noise_norm(mut self, norm: Norm) -> Self {
        self.noise_norm = norm;
        self
    }

    /// With this noise distribution.
    #[must_use]
    pub fn with_noise(mut self, noise: NoiseDistribution) -> Self {
        self.noise = noise;
        self
    }

    /// The step size in use: the explicit one, else ε/steps for BIM and MI-FGSM and
    /// 2.5·ε/steps for PGD (Madry et al.).
    #[must_use]
    pub fn effective_step_size(&self) -> f64 {
        self.step_size.unwrap_or_else(|| {
            let steps = self.steps.max(1) as f64;
            match self.kind {
                AttackKind::Pgd | AttackKind::PgdL2 => 2.5 * self.epsilon / steps,
                _ => self.epsilon / steps,
            }
        })
    }

    /// Checks ranges.
    ///
    /// # Errors
    /// [`AttackError`] naming the bad parameter.
    pub fn validate(&self, num_classes: usize) -> Result<(), AttackError> {
        let max_epsilon = if self.norm() == Norm::L2 { 1024.0 } else { 1.0 };
        if !self.epsilon.is_finite() || self.epsilon < 0.0 || self.epsilon > max_epsilon {
            return Err(AttackError::InvalidEpsilon(self.epsilon.to_string()));
        }
        if self.kind.is_iterative() && !(1..=10_000).contains(&self.steps) {
            return Err(AttackError::InvalidParameter(format!(
                "steps must be 1–10000, got {}",
                self.steps
            )));
        }
        if !(1..=100).contains(&self.restarts) {
            return Err(AttackError::InvalidParameter(format!(
                "restarts must be 1–100, got {}",
                self.restarts
            )));
        }
        if let Some(step) = self.step_size
            && (!step.is_finite() || step < 0.0)
        {
            return Err(AttackError::InvalidParameter(format!(
                "step size must be ≥ 0, got {step}"
            )));
        }
        if !self.momentum.is_finite() || self.momentum < 0.0 {
            return Err(AttackError::InvalidParameter(format!(
                "momentum must be ≥ 0, got {}",
                self.momentum
            )));
        }
        if let TargetSpec::Class(class) = self.target
            && class >= num_classes
        {
            return Err(AttackError::InvalidTarget {
                class,
                classes: num_classes,
            });
        }
        Ok(())
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
    }

    #[test]
    fn validation_catches_bad_values() {
        assert!(
            AttackConfig::new(AttackKind::Pgd, 8.0 / 255.0)
                .validate(2)
                .is_ok()
        );
        assert!(AttackConfig::new(AttackKind::Pgd, 1.5).validate(2).is_err());
        assert!(
            AttackConfig::new(AttackKind::Pgd, 0.1)
                .with_steps(0)
                .validate(2)
                .is_err()
        );
        assert!(
            AttackConfig::new(AttackKind::Fgsm, 0.1)
                .with_target(TargetSpec::Class(2))
                .validate(2)
                .is_err()
        );
    }

    #[test]
    fn config_survives_json() {
        let config = AttackConfig::new(AttackKind::MiFgsm, 4.0 / 255.0)
            .with_target(TargetSpec::Class(1))
            .with_seed(7);
        let text = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<AttackConfig>(&text).unwrap(), config);
    }
}
