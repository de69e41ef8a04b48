//! One attack specification carried the whole way — the window's settings, the worker's
//! request, the pipeline's request, the FGSM cache key and `recipe.json`: the attack with its
//! parameters (target included), the true label, the defence shown and whether the attack goes
//! through it. Flattened into settings and recipes, so the JSON they wrote before still loads.

use serde::{Deserialize, Serialize};

use crate::attacks::AttackConfig;
use crate::defenses::{DefenseConfig, DefensePath};
use crate::explain::ExplainConfig;

/// What to attack with, against what, behind which defence.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AttackSpec {
    /// The attack, its parameters and its target (required in a recipe).
    pub attack: AttackConfig,
    /// The true class, when known; otherwise the clean prediction is taken as the label.
    #[serde(default)]
    pub true_label: Option<usize>,
    /// A test-time defence to apply to the clean and the adversarial image.
    #[serde(default)]
    pub defense: Option<DefenseConfig>,
    /// Attack through the defence instead of the bare model (the route it takes is
    /// `AttackResult::gradient_route`); ignored without a defence.
    #[serde(default)]
    pub adaptive: bool,
    /// The explanation drawn on the clean and the adversarial scan (Grad-CAM by default).
    #[serde(default)]
    pub explain: ExplainConfig,
}

impl AttackSpec {
    /// The defence the attack goes through, when it is adaptive.
    #[must_use]
    pub fn attacked_defense(&self) -> Option<&DefenseConfig> {
        self.defense.as_ref().filter(|_| self.adaptive)
    }

    /// The gradient path through the attacked defence, when the attack is adaptive.
    #[must_use]
    pub fn defense_path(&self) -> Option<DefensePath> {
        self.attacked_defense().cloned().map(DefensePath::new)
    }

    /// What an FGSM gradient depends on (besides the scan and the model): everything but ε,
    /// and the defence only when the gradient goes through it. Two specs with the same key
    /// share one gradient.
    #[must_use]
    pub fn gradient_key(&self) -> Self {
        Self {
            attack: AttackConfig {
                epsilon: 0.0,
                ..self.attack.clone()
            },
            true_label: self.true_label,
            defense: self.attacked_defense().cloned(),
            adaptive: self.adaptive && self.defense.is_some(),
            explain: ExplainConfig::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attacks::AttackKind;
    use crate::defenses::DefenseKind;

    #[test]
    fn the_gradient_key_ignores_epsilon_and_a_defence_not_attacked() {
        let spec = AttackSpec {
            attack: AttackConfig::new(AttackKind::Fgsm, 2.0 / 255.0),
            true_label: Some(1),
            defense: Some(DefenseConfig::new(DefenseKind::Jpeg)),
            adaptive: false,
            explain: ExplainConfig::default(),
        };
        let moved = AttackSpec {
            attack: AttackConfig::new(AttackKind::Fgsm, 5.0 / 255.0),
            defense: Some(DefenseConfig::new(DefenseKind::TvDenoise)),
            ..spec.clone()
        };
        assert_eq!(spec.gradient_key(), moved.gradient_key());
        let through = AttackSpec {
            adaptive: true,
            ..spec.clone()
        };
        assert_ne!(spec.gradient_key(), through.gradient_key());
    }

    #[test]
    fn a_spec_without_an_attack_is_refused() {
        assert!(serde_json::from_str::<AttackSpec>(r#"{"adaptive": true}"#).is_err());
    }
}
