//! Typed attack hyper-parameters with sensible defaults.

use serde::{Deserialize, Serialize};

use super::{AttackKind, Region, UniversalPerturbation};

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
    /// The norm of the families that let the user choose it (noise, DeepFool, APGD); the
    /// others fix their own.
    #[serde(alias = "noise_norm")]
    pub norm_choice: Norm,
    /// DeepFool's overshoot: the final step is scaled by 1 + overshoot to cross the boundary.
    pub overshoot: f64,
    /// C&W's confidence κ: the margin the wrong class must win by.
    pub confidence: f64,
    /// C&W's binary-search steps over the constant c.
    pub search_steps: usize,
    /// C&W's first constant c.
    pub initial_const: f64,
    /// C&W's Adam learning rate (in tanh space).
    pub learning_rate: f64,
    /// Square's query budget per image.
    pub queries: usize,
    /// Square's initial fraction of pixels in the square.
    pub p_init: f64,
    /// The few-pixel attack's L0 budget: pixels it may change.
    pub pixels: usize,
    /// The few-pixel attack's population (candidates per generation).
    pub population: usize,
    /// JSMA's change per pixel (θ, on the [0, 1] scale; negative darkens).
    pub theta: f64,
    /// JSMA's L0 budget: the largest fraction of pixels it may change (γ).
    pub gamma: f64,
    /// JSMA moves each pixel either way (by ±|θ|, whichever is more salient: the maximal JSMA)
    /// instead of only in θ's direction.
    pub jsma_both_directions: bool,
    /// The universal perturbation to apply (fitted by `advlens uap`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub universal: Option<UniversalPerturbation>,
    /// The rectangle the attack is confined to (δ is exactly 0 outside it); the whole image
    /// when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
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
            norm_choice: Norm::Linf,
            overshoot: 0.02,
            confidence: 0.0,
            search_steps: 5,
            initial_const: 1.0,
            learning_rate: 0.01,
            queries: 5000,
            p_init: 0.8,
            pixels: 3,
            population: 100,
            theta: 1.0,
            gamma: 0.1,
            jsma_both_directions: false,
            universal: None,
            region: None,
        }
    }
}

impl AttackConfig {
    /// The default configuration of a family with a given ε (and the family's default number
    /// of iterations).
    #[must_use]
    pub fn new(kind: AttackKind, epsilon: f64) -> Self {
        Self {
            kind,
            epsilon,
            steps: kind.default_steps(),
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

    /// The norm ε is measured in for this run (for a minimal attack, the norm it minimises).
    #[must_use]
    pub fn norm(&self) -> Norm {
        if self.kind.has_norm_choice() {
            self.norm_choice
        } else {
            self.kind.default_norm()
        }
    }

    /// With this norm (for the families that let the user choose it).
    #[must_use]
    pub fn with_norm(mut self, norm: Norm) -> Self {
        self.norm_choice = norm;
        self
    }

    /// With this query budget (Square).
    #[must_use]
    pub fn with_queries(mut self, queries: usize) -> Self {
        self.queries = queries;
        self
    }

    /// With this L0 budget and population (the few-pixel attack).
    #[must_use]
    pub fn with_pixels(mut self, pixels: usize, population: usize) -> Self {
        self.pixels = pixels;
        self.population = population;
        self
    }

    /// With these C&W search settings: binary-search steps and the first constant c.
    #[must_use]
    pub fn with_search(mut self, search_steps: usize, initial_const: f64) -> Self {
        self.search_steps = search_steps;
        self.initial_const = initial_const;
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn old_recipes_keep_their_noise_norm() {
        let config: AttackConfig =
            serde_json::from_str(r#"{"kind": "noise", "noise_norm": "l2"}"#).unwrap();
        assert_eq!(config.norm(), Norm::L2);
        let no_queries = AttackConfig::new(AttackKind::Square, 0.1).with_queries(0);
        assert!(no_queries.validate(2).is_err());
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
