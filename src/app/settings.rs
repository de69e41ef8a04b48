//! Settings that survive a restart (eframe storage). Everything else is runtime state.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::dataset_settings::DatasetSettings;
use super::history::HistoryEntry;
use crate::attacks::{AttackConfig, AttackKind};
use crate::defenses::DefenseConfig;
use crate::explain::ExplainConfig;
use crate::pipeline::AttackSpec;

/// The window's application id: its settings folder and its desktop entry's name.
pub const APP_ID: &str = "advlens";

/// Where the window keeps its settings and recent files (eframe's storage): the platform's
/// per-user data folder — `$XDG_DATA_HOME/advlens` (`~/.local/share/advlens`) on Linux,
/// `~/Library/Application Support/advlens` on macOS, `%APPDATA%\advlens\data` on Windows —
/// never beside the program.
#[must_use]
pub fn settings_dir() -> Option<PathBuf> {
    eframe::storage_dir(APP_ID)
}

/// The stored settings, if any; settings that are stored but cannot be read (a corrupt file,
/// or one from a version that wrote something else) are set aside with a notice for the
/// banner instead of stopping the window.
#[must_use]
pub fn read_stored(storage: Option<&dyn eframe::Storage>) -> (Option<Settings>, Option<String>) {
    let Some(storage) = storage else {
        return (None, None);
    };
    let text = storage.get_string(eframe::APP_KEY);
    match eframe::get_value::<Settings>(storage, eframe::APP_KEY) {
        Some(settings) => (Some(settings), None),
        None if text.is_some() => (
            None,
            Some(
                "The saved settings could not be read (damaged, or from another version of advlens); the defaults are used and will be saved over them.".to_string(),
            ),
        ),
        None => (None, None),
    }
}

/// The most recent files kept.
pub const MAX_RECENT: usize = 8;

/// Persisted choices. Stored (by eframe, as RON) in the layout of [`SettingsFile`], the one
/// earlier versions wrote, so that settings survive an upgrade in both directions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "SettingsFile", into = "SettingsFile")]
pub struct Settings {
    /// The model in use.
    pub model: String,
    /// The attack and its parameters, the true class when the user set it, the defence shown
    /// and whether the attack goes through it.
    pub spec: AttackSpec,
    /// Largest ε on the slider and the sweep curve, in 1/255 units.
    pub max_epsilon_255: f32,
    /// Grad-CAM overlay opacity.
    pub overlay_opacity: f32,
    /// Large fonts and high contrast.
    pub presentation: bool,
    /// Recently opened scans, newest first.
    pub recent: Vec<PathBuf>,
    /// The data-set view's choices.
    pub dataset: DatasetSettings,
    /// The last results, newest first.
    pub history: Vec<HistoryEntry>,
    /// A second attack whose ε sweep is drawn on the same axes (FGSM against PGD), if chosen.
    pub sweep_versus: Option<AttackKind>,
    /// Frames per second of *Play* and of the iteration replay (at most: a slow attack plays
    /// as fast as its results come).
    pub play_speed: f32,
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
            dataset: DatasetSettings::default(),
            history: Vec::new(),
            sweep_versus: None,
            play_speed: DEFAULT_PLAY_SPEED,
        }
    }
}

/// The stored layout of [`Settings`]: flat fields, as every version has written them. (RON,
/// eframe's format, cannot read a flattened struct from what earlier versions wrote.)
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsFile {
    model: String,
    attack: AttackConfig,
    true_label: Option<usize>,
    max_epsilon_255: f32,
    overlay_opacity: f32,
    presentation: bool,
    recent: Vec<PathBuf>,
    defense: Option<DefenseConfig>,
    adaptive_attack: bool,
    explain: ExplainConfig,
    #[serde(default, skip_serializing_if = "DatasetSettings::is_default")]
    dataset: DatasetSettings,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    history: Vec<HistoryEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sweep_versus: Option<AttackKind>,
    #[serde(default = "default_play_speed")]
    play_speed: f32,
}

/// Frames per second *Play* starts with.
pub const DEFAULT_PLAY_SPEED: f32 = 4.0;

fn default_play_speed() -> f32 {
    DEFAULT_PLAY_SPEED
}

impl Default for SettingsFile {
    fn default() -> Self {
        Settings::default().into()
    }
}

impl From<SettingsFile> for Settings {
    fn from(file: SettingsFile) -> Self {
        Self {
            model: file.model,
            spec: AttackSpec {
                attack: file.attack,
                true_label: file.true_label,
                defense: file.defense,
                adaptive: file.adaptive_attack,
                explain: file.explain,
            },
            max_epsilon_255: file.max_epsilon_255,
            overlay_opacity: file.overlay_opacity,
            presentation: file.presentation,
            recent: file.recent,
            dataset: file.dataset,
            history: file.history,
            sweep_versus: file.sweep_versus,
            play_speed: file.play_speed,
        }
    }
}

impl From<Settings> for SettingsFile {
    fn from(settings: Settings) -> Self {
        Self {
            model: settings.model,
            attack: settings.spec.attack,
            true_label: settings.spec.true_label,
            max_epsilon_255: settings.max_epsilon_255,
            overlay_opacity: settings.overlay_opacity,
            presentation: settings.presentation,
            recent: settings.recent,
            defense: settings.spec.defense,
            adaptive_attack: settings.spec.adaptive,
            explain: settings.spec.explain,
            dataset: settings.dataset,
            history: settings.history,
            sweep_versus: settings.sweep_versus,
            play_speed: settings.play_speed,
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

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn settings_and_caches_live_in_the_users_folders_not_beside_the_program() {
        let data_home = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| std::env::home_dir().map(|h| h.join(".local/share")))
            .unwrap();
        let settings = settings_dir().unwrap();
        assert_eq!(settings, data_home.join("advlens"));
        let cache = crate::device::kernel_cache_dir().unwrap();
        assert_eq!(cache, dirs::cache_dir().unwrap().join("advlens/cubecl"));
        let program = std::env::current_exe().unwrap();
        let beside = program.parent().unwrap();
        assert!(!settings.starts_with(beside) && !cache.starts_with(beside));
    }

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

    /// Settings storage in memory, as eframe's file storage behaves.
    struct MemoryStorage(Option<String>);

    impl eframe::Storage for MemoryStorage {
        fn get_string(&self, _key: &str) -> Option<String> {
            self.0.clone()
        }
        fn set_string(&mut self, _key: &str, value: String) {
            self.0 = Some(value);
        }
        fn remove_string(&mut self, _key: &str) {
            self.0 = None;
        }
        fn flush(&mut self) {}
    }

    #[test]
    fn damaged_settings_are_set_aside_with_a_notice_and_good_ones_load() {
        let (none, quiet) = read_stored(Some(&MemoryStorage(None)));
        assert!(
            none.is_none() && quiet.is_none(),
            "nothing stored: nothing to say"
        );
        for damaged in ["(model: \"chest", "not ron at all {{{", "", "(model: 42)"] {
            let (settings, notice) = read_stored(Some(&MemoryStorage(Some(damaged.to_string()))));
            assert!(settings.is_none(), "{damaged:?}");
            assert!(notice.unwrap().contains("could not be read"), "{damaged:?}");
        }
        let mut storage = MemoryStorage(None);
        let good = Settings {
            model: "brain-mri-cnn".to_string(),
            ..Settings::default()
        };
        eframe::set_value(&mut storage, eframe::APP_KEY, &good);
        let (settings, notice) = read_stored(Some(&storage));
        assert_eq!(settings, Some(good));
        assert!(notice.is_none());
    }

    #[test]
    fn settings_stored_as_ron_by_an_earlier_version_still_load() {
        use crate::attacks::AttackKind;
        use crate::defenses::DefenseKind;
        // `SettingsFile` is field for field the `Settings` of earlier versions; eframe stores
        // it as RON.
        let old_layout = SettingsFile {
            model: "brain-mri-cnn".to_string(),
            attack: AttackConfig::new(AttackKind::PgdL2, 0.5).with_steps(20),
            true_label: Some(1),
            max_epsilon_255: 16.0,
            overlay_opacity: 0.6,
            presentation: true,
            recent: vec![PathBuf::from("/scans/a.png")],
            defense: Some(DefenseConfig::new(DefenseKind::TvDenoise)),
            adaptive_attack: true,
            explain: ExplainConfig::default(),
            dataset: DatasetSettings::default(),
            history: Vec::new(),
            sweep_versus: None,
            play_speed: DEFAULT_PLAY_SPEED,
        };
        let stored = ron::to_string(&old_layout).unwrap();
        assert!(stored.starts_with("(model:"), "{stored}");
        let settings: Settings = ron::from_str(&stored).unwrap();
        assert_eq!(settings.model, "brain-mri-cnn");
        assert_eq!(settings.spec.attack.kind, AttackKind::PgdL2);
        assert_eq!(settings.spec.true_label, Some(1));
        assert!(settings.spec.adaptive && settings.presentation);
        assert_eq!(
            ron::to_string(&settings).unwrap(),
            stored,
            "the same layout is written back"
        );
    }

    #[test]
    fn old_settings_files_still_load() {
        let settings: Settings = serde_json::from_str(r#"{"model":"brain-mri-cnn"}"#).unwrap();
        assert_eq!(settings.model, "brain-mri-cnn");
        assert_eq!(settings.overlay_opacity, 0.6);
    }
}
