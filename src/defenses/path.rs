//! A defence as an adaptive attacker sees it: exact gradients where it is differentiable, BPDA
//! where it is not, and, when it is randomized, EOT over fresh draws at every gradient step.

use std::sync::atomic::{AtomicU64, Ordering};

use burn::tensor::Tensor;

use super::{DefenseConfig, defended_input};
use crate::attacks::{AttackError, AttackKind, DefenseGradientPath, GradientRoute};

/// The gradient path through one defence; each call of `transform` uses a fresh draw.
#[derive(Debug)]
pub struct DefensePath {
    config: DefenseConfig,
    next_draw: AtomicU64,
}

impl DefensePath {
    /// The path through `config`.
    #[must_use]
    pub fn new(config: DefenseConfig) -> Self {
        Self {
            config,
            next_draw: AtomicU64::new(0),
        }
    }

    /// The defence.
    #[must_use]
    pub fn config(&self) -> &DefenseConfig {
        &self.config
    }
}

/// The route an adaptive attack of `kind` takes through `config` (what the window's hint and
/// the robustness tables name before any attack runs).
#[must_use]
pub fn gradient_route_through(config: &DefenseConfig, kind: AttackKind) -> GradientRoute {
    GradientRoute::of(kind, Some(&DefensePath::new(config.clone())))
}

impl DefenseGradientPath for DefensePath {
    fn samples(&self) -> usize {
        if self.config.kind.is_randomized() {
            self.config.eot_samples
        } else {
            1
        }
    }

    fn differentiable(&self) -> bool {
        self.config.kind.is_differentiable()
    }

    fn transform(&self, images: &Tensor<4>) -> Result<Tensor<4>, AttackError> {
        let draw = self.next_draw.fetch_add(1, Ordering::Relaxed);
        defended_input(images, &self.config, draw)
            .map_err(|err| AttackError::Defense(err.to_string()))
    }
}
