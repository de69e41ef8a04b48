//! Adversarial training: every training batch gets an adversarial version against the current
//! weights before the weight update, either PGD on the cross-entropy (Madry et al. 2018, with an
//! optional clean-loss mix) or TRADES' KL ascent (Zhang et al. 2019, `trades.rs`).

use burn::tensor::Tensor;

use crate::attacks::{AttackConfig, AttackControl, AttackError, AttackKind, run_attack};
use crate::models::{Classifier, ModelPair};

/// How the training batches are perturbed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdversarialTraining {
    /// L∞ radius on the [0, 1] scale.
    pub epsilon: f64,
    /// PGD steps per batch.
    pub steps: usize,
    /// Step size; `None` for PGD's default 2.5·ε/steps.
    pub step_size: Option<f64>,
    /// The training objective.
    pub objective: AdversarialObjective,
}

/// What the weights are trained to minimise on a batch and its adversarial version.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AdversarialObjective {
    /// Cross-entropy on the PGD batch mixed with the clean cross-entropy.
    Mixed {
        /// Weight of the clean loss in [0, 1): 0 is Madry et al.'s pure adversarial
        /// objective, 0.5 the even mixture of Goodfellow et al. 2015.
        clean_weight: f64,
    },
    /// TRADES: clean cross-entropy + β·KL(p(x) ‖ p(x')), x' found by KL ascent.
    Trades {
        /// Weight of the KL term (the paper uses 6; smaller keeps more clean accuracy).
        beta: f64,
    },
}

impl AdversarialTraining {
    /// The PGD configuration for one batch at radius `epsilon` (random start, one restart).
    #[must_use]
    pub fn attack_config(&self, epsilon: f64, seed: u64) -> AttackConfig {
        let mut config = AttackConfig::new(AttackKind::Pgd, epsilon)
            .with_steps(self.steps)
            .with_restarts(1)
            .with_seed(seed);
        if let Some(step_size) = self.step_size {
            config =
                config.with_step_size(step_size * epsilon / self.epsilon.max(f64::MIN_POSITIVE));
        }
        config
    }

    /// The radius used at `progress` ∈ [0, 1] of training: a linear ramp from 0 over the first
    /// `warmup` fraction (so early, poorly fitted weights are not swamped), then ε.
    #[must_use]
    pub fn epsilon_at(&self, progress: f64, warmup: f64) -> f64 {
        if warmup <= 0.0 || progress >= warmup {
            self.epsilon
        } else {
            self.epsilon * (progress / warmup).clamp(0.0, 1.0)
        }
    }

    /// One line for the model card.
    #[must_use]
    pub fn describe(&self) -> String {
        let step = self.attack_config(self.epsilon, 0).effective_step_size();
        let (method, start, objective) = match self.objective {
            AdversarialObjective::Mixed { clean_weight } if clean_weight > 0.0 => (
                "PGD L∞ (Madry et al. 2018)",
                "random start",
                format!(
                    "loss {:.2}·adversarial + {:.2}·clean",
                    1.0 - clean_weight,
                    clean_weight
                ),
            ),
            AdversarialObjective::Mixed { .. } => (
                "PGD L∞ (Madry et al. 2018)",
                "random start",
                "adversarial loss only".to_string(),
            ),
            AdversarialObjective::Trades { beta } => (
                "TRADES (Zhang et al. 2019), KL ascent in L∞",
                "start at x + N(0, 0.001²)",
                format!("loss clean cross-entropy + {beta:.2}·KL(p(x) ‖ p(x'))"),
            ),
        };
        format!(
            "{method}, ε = {:.2}/255, {} steps of {:.2}/255, {start}, {objective}; ε ramped up from 0 over the first epoch",
            self.epsilon * 255.0,
            self.steps,
            step * 255.0
        )
    }

    /// The adversarial version of a batch for this objective (TRADES' KL ascent or PGD on the
    /// cross-entropy), at radius `epsilon`.
    ///
    /// # Errors
    /// [`AttackError`] if the gradient cannot be taken.
    pub fn adversary(
        &self,
        model: &Classifier,
        images: &Tensor<4>,
        labels: &[usize],
        epsilon: f64,
        seed: u64,
    ) -> Result<Tensor<4>, AttackError> {
        match self.objective {
            AdversarialObjective::Trades { .. } => super::trades::trades_adversary(
                model,
                images,
                epsilon,
                self.steps,
                self.attack_config(epsilon, seed).effective_step_size(),
                seed,
            ),
            AdversarialObjective::Mixed { .. } => {
                self.perturb(model, images, labels, epsilon, seed)
            }
        }
    }

    /// The PGD version of a batch against `model` (the weights being trained, on the autodiff
    /// device); the result lives on the autodiff device, ready for the training step.
    ///
    /// # Errors
    /// [`AttackError`] if the gradient cannot be taken.
    pub fn perturb(
        &self,
        model: &Classifier,
        images: &Tensor<4>,
        labels: &[usize],
        epsilon: f64,
        seed: u64,
    ) -> Result<Tensor<4>, AttackError> {
        if epsilon <= 0.0 {
            return Ok(images.clone());
        }
        let pair = ModelPair::unfolded(model.clone());
        let clean = images.clone().without_autodiff();
        let outcome = run_attack(
            &pair,
            &clean,
            labels,
            false,
            &self.attack_config(epsilon, seed),
            &AttackControl::default(),
        )?;
        Ok(outcome.adversarial.without_autodiff().autodiff())
    }
}

#[cfg(test)]
mod tests {
    use super::{AdversarialObjective, AdversarialTraining};

    #[test]
    fn epsilon_ramps_up_then_holds() {
        let training = AdversarialTraining {
            epsilon: 8.0 / 255.0,
            steps: 5,
            step_size: None,
            objective: AdversarialObjective::Mixed { clean_weight: 0.0 },
        };
        assert_eq!(training.epsilon_at(0.0, 0.2), 0.0);
        assert!((training.epsilon_at(0.1, 0.2) - 4.0 / 255.0).abs() < 1e-12);
        assert_eq!(training.epsilon_at(0.5, 0.2), 8.0 / 255.0);
        assert_eq!(training.epsilon_at(0.0, 0.0), 8.0 / 255.0);
    }

    #[test]
    fn step_size_scales_with_the_ramped_epsilon() {
        let training = AdversarialTraining {
            epsilon: 8.0 / 255.0,
            steps: 4,
            step_size: Some(2.0 / 255.0),
            objective: AdversarialObjective::Mixed { clean_weight: 0.0 },
        };
        let half = training.attack_config(4.0 / 255.0, 1);
        assert!((half.effective_step_size() - 1.0 / 255.0).abs() < 1e-12);
        let default_step = AdversarialTraining {
            step_size: None,
            ..training
        };
        assert!(
            (default_step
                .attack_config(8.0 / 255.0, 1)
                .effective_step_size()
                - 5.0 / 255.0)
                .abs()
                < 1e-12
        );
    }
}
