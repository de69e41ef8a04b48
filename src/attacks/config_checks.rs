//! Range checks of an attack's parameters: ε for its norm, steps, restarts, step size and
//! momentum, the parameters only some families use, the target class and the region.

use super::{AttackConfig, AttackError, Norm, TargetSpec};

impl AttackConfig {
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
        self.validate_family_parameters()?;
        if let Some(region) = &self.region {
            region.validate()?;
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

impl AttackConfig {
    /// Ranges of the parameters only some families use.
    fn validate_family_parameters(&self) -> Result<(), AttackError> {
        let check = |ok: bool, message: String| {
            if ok {
                Ok(())
            } else {
                Err(AttackError::InvalidParameter(message))
            }
        };
        check(
            self.overshoot.is_finite() && (0.0..=1.0).contains(&self.overshoot),
            format!("overshoot must be 0–1, got {}", self.overshoot),
        )?;
        check(
            self.confidence.is_finite() && (0.0..=1000.0).contains(&self.confidence),
            format!("confidence κ must be 0–1000, got {}", self.confidence),
        )?;
        check(
            (1..=20).contains(&self.search_steps),
            format!("search steps must be 1–20, got {}", self.search_steps),
        )?;
        check(
            self.initial_const.is_finite() && self.initial_const > 0.0 && self.initial_const <= 1e6,
            format!("initial c must be in (0, 1e6], got {}", self.initial_const),
        )?;
        check(
            self.learning_rate.is_finite()
                && self.learning_rate > 0.0
                && self.learning_rate <= 10.0,
            format!(
                "learning rate must be in (0, 10], got {}",
                self.learning_rate
            ),
        )?;
        check(
            (1..=1_000_000).contains(&self.queries),
            format!("queries must be 1–1000000, got {}", self.queries),
        )?;
        check(
            (1..=1024).contains(&self.pixels),
            format!("pixels must be 1–1024, got {}", self.pixels),
        )?;
        check(
            self.theta.is_finite() && self.theta != 0.0 && (-1.0..=1.0).contains(&self.theta),
            format!("θ must be in [−1, 1] and not 0, got {}", self.theta),
        )?;
        check(
            self.gamma.is_finite() && self.gamma > 0.0 && self.gamma <= 1.0,
            format!("γ must be in (0, 1], got {}", self.gamma),
        )?;
        check(
            (4..=2000).contains(&self.population),
            format!("population must be 4–2000, got {}", self.population),
        )?;
        check(
            self.p_init.is_finite() && self.p_init > 0.0 && self.p_init <= 1.0,
            format!("p_init must be in (0, 1], got {}", self.p_init),
        )
    }
}
