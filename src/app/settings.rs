//! Settings that survive a restart (eframe storage). Everything else is runtime state.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::pipeline::AttackSpec;

/// The most recent files kept.
pub const MAX_RECENT: usize = 8;

/// Persisted choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The model in use.
    pub model: String,
    /// The attack and its parameters, the true class when the user set it, the defence shown
    /// and whether the attack goes through it (flattened: the JSON keeps the fields of earlier
    /// versions, `attack`, `true_label`, `defense` and `adaptive_attack`, readable).
    #[serde(flatten)]
    pub spec: AttackSpec,
    /// Largest ε on the slider and the sweep curve, in 1/255 units.
    pub max_epsilon_255: f32,
    /// Grad-CAM overlay opacity.
    pub overlay_opacity: f32,
    /// Large fonts and high contrast.
    pub presentation: bool,
    /// Recently opened scans, newest first.
    pub recent: Vec<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            model: "chest-xray-cnn".to_string(),
            spec: AttackSpec::default(),
            max_epsilon_255: 16.0,
            overlay_opacity: 0.6,
            presentation: false,
            recent: Vec::new(),
        }
    }
}

impl Settings {
    /// Puts a file at the top of the recent list.
    pub fn remember(&mut self, path: PathBuf) {
        self.recent.retain(|p| *p != path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_files_are_unique_newest_first_and_bounded() {
        let mut settings = Settings::default();
        for i in 0..10 {
            settings.remember(PathBuf::from(format!("/scan{i}.png")));
        }
        settings.remember(PathBuf::from("/scan5.png"));
        assert_eq!(settings.recent.len(), MAX_RECENT);
        assert_eq!(settings.recent[0], PathBuf::from("/scan5.png"));
        assert_eq!(
            settings
                .recent
                .iter()
                .filter(|p| p.as_path() == std::path::Path::new("/scan5.png"))
                .count(),
            1
        );
    }

    #[test]
    fn settings_from_before_the_attack_spec_still_load() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/compat/settings-v0.1-before-attack-spec.json");
        let text = std::fs::read_to_string(path).unwrap();
        let settings: Settings = serde_json::from_str(&text).unwrap();
        assert_eq!(settings.spec.attack.kind, crate::attacks::AttackKind::PgdL2);
        assert_eq!(settings.spec.true_label, Some(0));
        assert!(settings.spec.defense.is_some());
        assert!(
            settings.spec.adaptive,
            "adaptive_attack is read as adaptive"
        );
        let again: Settings =
            serde_json::from_str(&serde_json::to_string(&settings).unwrap()).unwrap();
        assert_eq!(again, settings);
    }

    #[test]
    fn old_settings_files_still_load() {
        let settings: Settings = serde_json::from_str(r#"{"model":"brain-mri-cnn"}"#).unwrap();
        assert_eq!(settings.model, "brain-mri-cnn");
        assert_eq!(settings.overlay_opacity, 0.6);
    }
}
