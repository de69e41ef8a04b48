//! PGD adversarial training (Madry et al. 2018): every training batch is replaced by its PGD
//! adversarial version against the current weights before the weight update.

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
    /// Weight of the clean loss in [0, 1): 0 is Madry et al.'s pure adversarial objective,
    /// 0.5 the even mixture of Goodfellow et al. 2015.
    pub clean_weight: f64,
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
        let objective = if self.clean_weight > 0.0 {
            format!(
                "loss {:.2}·adversarial + {:.2}·clean",
                1.0 - self.clean_weight,
                self.clean_weight
            )
        } else {
            "adversarial loss only".to_string()
        };
        format!(
            "PGD L∞ (Madry et al. 2018), ε = {:.2}/255, {} steps of {:.2}/255, random start, {objective}; ε ramped up from 0 over the first epoch",
            self.epsilon * 255.0,
            self.steps,
            step * 255.0
        )
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
    use super::AdversarialTraining;

    #[test]
    fn epsilon_ramps_up_then_holds() {
        let training = AdversarialTraining {
            epsilon: 8.0 / 255.0,
            steps: 5,
            step_size: None,
            clean_weight: 0.0,
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
            clean_weight: 0.0,
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
