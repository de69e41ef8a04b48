//! Settings that survive a restart (eframe storage). Everything else is runtime state.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::attacks::AttackConfig;
use crate::defenses::DefenseConfig;

/// The most recent files kept.
pub const MAX_RECENT: usize = 8;

/// Persisted choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The model in use.
    pub model: String,
    /// The attack and its parameters.
    pub attack: AttackConfig,
    /// The true class, when the user set it.
    pub true_label: Option<usize>,
    /// Largest ε on the slider and the sweep curve, in 1/255 units.
    pub max_epsilon_255: f32,
    /// Grad-CAM overlay opacity.
    pub overlay_opacity: f32,
    /// Large fonts and high contrast.
    pub presentation: bool,
    /// Recently opened scans, newest first.
    pub recent: Vec<PathBuf>,
    /// The test-time defence shown in the sixth view, if any.
    pub defense: Option<DefenseConfig>,
    /// Attack through the defence (exact gradients, BPDA or EOT, as the defence allows).
    pub adaptive_attack: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            model: "chest-xray-cnn".to_string(),
            attack: AttackConfig::default(),
            true_label: None,
            max_epsilon_255: 16.0,
            overlay_opacity: 0.6,
            presentation: false,
            recent: Vec::new(),
            defense: None,
            adaptive_attack: false,
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
    fn old_settings_files_still_load() {
        let settings: Settings = serde_json::from_str(r#"{"model":"brain-mri-cnn"}"#).unwrap();
        assert_eq!(settings.model, "brain-mri-cnn");
        assert_eq!(settings.overlay_opacity, 0.6);
    }
}
