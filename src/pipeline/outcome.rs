//! What an attack did, in the words the window, the figure and the CLI all use: a targeted
//! attack succeeds only by reaching its target, and a scan the model already got wrong is not
//! "fooled" by the attack.

use super::AttackResult;

/// The outcome of one attack run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Untargeted: the prediction left the label.
    Flipped,
    /// Untargeted: the prediction stayed on the label.
    Held,
    /// Targeted: the prediction reached the target.
    ReachedTarget(usize),
    /// Targeted: the prediction did not reach the target.
    MissedTarget(usize),
    /// The true label was given and the clean prediction was already different: there was
    /// nothing left for an untargeted attack to flip.
    AlreadyWrong,
}

impl Outcome {
    /// The outcome of `result`.
    #[must_use]
    pub fn of(result: &AttackResult) -> Self {
        match result.target {
            Some(target) if result.success => Self::ReachedTarget(target),
            Some(target) => Self::MissedTarget(target),
            None if result.clean.label != result.label => Self::AlreadyWrong,
            None if result.success => Self::Flipped,
            None => Self::Held,
        }
    }

    /// Whether the attack did what it set out to do (and it was the attack that did it).
    #[must_use]
    pub fn fooled(self) -> bool {
        matches!(self, Self::Flipped | Self::ReachedTarget(_))
    }

    /// A verdict line: "Fooled: NORMAL → PNEUMONIA", "Not fooled: still NORMAL", "Target
    /// PNEUMONIA reached: …", "Target … not reached: …", "Already wrong before the attack: …".
    #[must_use]
    pub fn verdict(self, result: &AttackResult, classes: &[String]) -> String {
        let clean = &result.clean.class_name;
        let adversarial = &result.adversarial_prediction.class_name;
        let name = |class: usize| {
            classes
                .get(class)
                .cloned()
                .unwrap_or_else(|| format!("class {class}"))
        };
        let change = if clean == adversarial {
            format!("still {adversarial}")
        } else {
            format!("{clean} → {adversarial}")
        };
        match self {
            Self::Flipped => format!("Fooled: {change}"),
            Self::Held => format!("Not fooled: {change}"),
            Self::ReachedTarget(target) => {
                format!("Fooled into the target {}: {change}", name(target))
            }
            Self::MissedTarget(target) => format!("Target {} not reached: {change}", name(target)),
            Self::AlreadyWrong => format!(
                "Already wrong before the attack (true class {}): {change}",
                name(result.label)
            ),
        }
    }
}
