//! Which class the clean and the adversarial map explain: each scan's own prediction (the
//! default), or one class for both so that the two maps are comparable — the clean
//! prediction, the adversarial prediction, the true label, or any class.

use serde::{Deserialize, Serialize};

/// The class a pair of maps explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExplainTarget {
    /// Each map for its own scan's predicted class.
    #[default]
    Predicted,
    /// Both maps for the clean scan's predicted class.
    CleanPrediction,
    /// Both maps for the adversarial scan's predicted class.
    AdversarialPrediction,
    /// Both maps for the true label (the class the attack moves away from).
    True,
    /// Both maps for this class.
    Class(usize),
}

impl ExplainTarget {
    /// The classes of the clean and the adversarial map, given the two predictions and the
    /// label.
    #[must_use]
    pub fn classes(self, clean: usize, adversarial: usize, label: usize) -> (usize, usize) {
        match self {
            Self::Predicted => (clean, adversarial),
            Self::CleanPrediction => (clean, clean),
            Self::AdversarialPrediction => (adversarial, adversarial),
            Self::True => (label, label),
            Self::Class(class) => (class, class),
        }
    }

    /// In words, with class names when given.
    #[must_use]
    pub fn describe(self, classes: &[String]) -> String {
        match self {
            Self::Predicted => "each scan's predicted class".to_string(),
            Self::CleanPrediction => "the clean prediction".to_string(),
            Self::AdversarialPrediction => "the adversarial prediction".to_string(),
            Self::True => "the true class".to_string(),
            Self::Class(class) => classes
                .get(class)
                .map_or_else(|| format!("class {class}"), |name| format!("class {name}")),
        }
    }

    /// Parses `predicted`, `clean`, `adversarial`, `true`, a class index or a class name.
    ///
    /// # Errors
    /// A message naming the choices.
    pub fn parse(text: &str, classes: &[String]) -> Result<Self, String> {
        let wanted = text.trim();
        Ok(match wanted.to_ascii_lowercase().as_str() {
            "predicted" => Self::Predicted,
            "clean" => Self::CleanPrediction,
            "adversarial" => Self::AdversarialPrediction,
            "true" => Self::True,
            _ => {
                if let Ok(index) = wanted.parse::<usize>()
                    && index < classes.len()
                {
                    Self::Class(index)
                } else if let Some(index) =
                    classes.iter().position(|c| c.eq_ignore_ascii_case(wanted))
                {
                    Self::Class(index)
                } else {
                    return Err(format!(
                        "unknown explanation class '{text}': expected predicted, clean, adversarial, true or one of {}",
                        classes.join(", ")
                    ));
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_choice_picks_its_classes() {
        assert_eq!(ExplainTarget::Predicted.classes(0, 1, 0), (0, 1));
        assert_eq!(ExplainTarget::CleanPrediction.classes(0, 1, 0), (0, 0));
        assert_eq!(
            ExplainTarget::AdversarialPrediction.classes(0, 1, 0),
            (1, 1)
        );
        assert_eq!(ExplainTarget::True.classes(1, 1, 0), (0, 0));
        assert_eq!(ExplainTarget::Class(3).classes(0, 1, 0), (3, 3));
    }

    #[test]
    fn names_and_indices_parse() {
        let classes = vec!["NORMAL".to_string(), "PNEUMONIA".to_string()];
        assert_eq!(
            ExplainTarget::parse("clean", &classes),
            Ok(ExplainTarget::CleanPrediction)
        );
        assert_eq!(
            ExplainTarget::parse("pneumonia", &classes),
            Ok(ExplainTarget::Class(1))
        );
        assert_eq!(
            ExplainTarget::parse("0", &classes),
            Ok(ExplainTarget::Class(0))
        );
        assert!(ExplainTarget::parse("2", &classes).is_err());
        assert!(ExplainTarget::parse("glioma", &classes).is_err());
        assert_eq!(
            ExplainTarget::Class(1).describe(&classes),
            "class PNEUMONIA"
        );
    }
}
