//! Lecture scenarios: a prepared step of a talk — a title, a few sentences for the audience,
//! the views worth looking at, and a recipe (scan, model, attack, parameters, ε, defence) with
//! the answer it gave, so that the step reproduces bit for bit in the hall. The recipe is a
//! classifier's (`"recipe"`, as `advlens attack --recipe` replays it) or a segmenter's
//! (`"segmentation_recipe"`, as `advlens segment --recipe` replays it; the window shows it in
//! the segmentation view). The bundled ones
//! are `assets/scenarios/*.json`, in file-name order; a lecturer saves their own from the
//! window and shares the file (its scan goes beside it, or is one of the bundled samples).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::export::{ViewKind, write_atomic};
use crate::recipe::Recipe;
use crate::resources::{Resource, locate};
use crate::segment::SegmentationRecipe;

mod replay;

pub use replay::ScenarioOutcome;

/// Errors from reading, finding or replaying a scenario.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file is unreadable or not a scenario.
    #[error("{path} is not a scenario ({reason})")]
    Invalid {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Its scan is neither beside it nor among the bundled samples, or differs.
    #[error("scenario '{title}': {reason}")]
    Scan {
        /// The scenario's title.
        title: String,
        /// What is wrong with the scan.
        reason: String,
    },
    /// Its model is not shipped here.
    #[error("scenario '{title}' needs the model '{model}', which is not installed")]
    Model {
        /// The scenario's title.
        title: String,
        /// The model.
        model: String,
    },
    /// Running it failed.
    #[error("scenario '{title}': {reason}")]
    Run {
        /// The scenario's title.
        title: String,
        /// Why.
        reason: String,
    },
}

/// A view a scenario asks to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScenarioView {
    /// The scan.
    Original,
    /// The perturbation.
    Perturbation,
    /// The adversarial scan.
    Adversarial,
    /// The explanation of the clean scan.
    ExplanationClean,
    /// The explanation of the adversarial scan.
    ExplanationAdversarial,
    /// The defended adversarial scan.
    Defended,
}

impl ScenarioView {
    /// The window's view.
    #[must_use]
    pub fn view_kind(self) -> ViewKind {
        match self {
            Self::Original => ViewKind::Original,
            Self::Perturbation => ViewKind::Perturbation,
            Self::Adversarial => ViewKind::Adversarial,
            Self::ExplanationClean => ViewKind::CamClean,
            Self::ExplanationAdversarial => ViewKind::CamAdversarial,
            Self::Defended => ViewKind::Defended,
        }
    }

    /// The scenario view of a window view.
    #[must_use]
    pub fn of(kind: ViewKind) -> Self {
        match kind {
            ViewKind::Original => Self::Original,
            ViewKind::Perturbation => Self::Perturbation,
            ViewKind::Adversarial => Self::Adversarial,
            ViewKind::CamClean => Self::ExplanationClean,
            ViewKind::CamAdversarial => Self::ExplanationAdversarial,
            ViewKind::Defended => Self::Defended,
        }
    }
}

/// One step of a talk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    /// The title the hall sees.
    pub title: String,
    /// Two or three sentences for the audience.
    pub narration: String,
    /// The views to show (empty: all of them).
    #[serde(default)]
    pub views: Vec<ScenarioView>,
    /// The scan, model, attack, defence and the answer they gave.
    #[serde(flatten)]
    pub recipe: ScenarioRecipe,
}

/// What a scenario replays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScenarioRecipe {
    /// An attack on a classifier (`"recipe": {…}` in the file).
    Recipe(Box<Recipe>),
    /// An attack on a segmenter's mask (`"segmentation_recipe": {…}`).
    SegmentationRecipe(Box<SegmentationRecipe>),
}

impl ScenarioRecipe {
    /// The scan's file name.
    #[must_use]
    pub fn scan_file(&self) -> &str {
        match self {
            Self::Recipe(recipe) => &recipe.scan_file,
            Self::SegmentationRecipe(recipe) => &recipe.scan_file,
        }
    }

    /// The model (classifier or segmenter).
    #[must_use]
    pub fn model(&self) -> &str {
        match self {
            Self::Recipe(recipe) => &recipe.model,
            Self::SegmentationRecipe(recipe) => &recipe.model,
        }
    }

    /// The recorded answer in words (class and device, or Dice and device).
    #[must_use]
    pub fn recorded(&self) -> String {
        match self {
            Self::Recipe(recipe) => format!(
                "class {} on {}",
                recipe.expected.adversarial_label, recipe.expected.device
            ),
            Self::SegmentationRecipe(recipe) => format!(
                "Dice {:.4} on {}",
                recipe.expected.adversarial_dice, recipe.expected.device
            ),
        }
    }
}

/// A scenario and the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioFile {
    /// The file.
    pub path: PathBuf,
    /// Its scenario.
    pub scenario: Scenario,
}

impl Scenario {
    /// Reads a scenario file.
    ///
    /// # Errors
    /// [`ScenarioError::Invalid`].
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let invalid = |reason: String| ScenarioError::Invalid {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|err| invalid(err.to_string()))?;
        serde_json::from_str(&text).map_err(|err| invalid(err.to_string()))
    }

    /// Writes it (atomically), pretty-printed so that a lecturer can edit the words.
    ///
    /// # Errors
    /// [`ScenarioError::Invalid`] when it cannot be written.
    pub fn save(&self, path: &Path) -> Result<(), ScenarioError> {
        let invalid = |reason: String| ScenarioError::Invalid {
            path: path.display().to_string(),
            reason,
        };
        let text = serde_json::to_string_pretty(self).map_err(|err| invalid(err.to_string()))?;
        write_atomic(path, format!("{text}\n").as_bytes()).map_err(|err| invalid(err.to_string()))
    }

    /// The scan: beside the scenario file, else among the bundled samples; its SHA-256 must be
    /// the recipe's.
    ///
    /// # Errors
    /// [`ScenarioError::Scan`] naming the file when it is missing or differs.
    pub fn locate_scan(&self, scenario_path: &Path) -> Result<PathBuf, ScenarioError> {
        self.locate_files(scenario_path).map(|(scan, _)| scan)
    }

    /// [`Self::locate_scan`], with a segmenter's true mask beside the scan (also checked
    /// against its SHA-256), each file read once.
    ///
    /// # Errors
    /// [`ScenarioError::Scan`] naming the file when one is missing or differs.
    pub fn locate_files(
        &self,
        scenario_path: &Path,
    ) -> Result<(PathBuf, Option<PathBuf>), ScenarioError> {
        let scan_file = self.recipe.scan_file();
        let beside = scenario_path.parent().map(|folder| folder.join(scan_file));
        let bundled = locate(Resource::SampleData)
            .ok()
            .map(|folder| folder.join(scan_file));
        let found = beside
            .filter(|path| path.is_file())
            .or(bundled.filter(|path| path.is_file()))
            .ok_or_else(|| ScenarioError::Scan {
                title: self.title.clone(),
                reason: format!(
                    "its scan '{scan_file}' is neither beside the scenario nor among the bundled samples"
                ),
            })?;
        let checked = match &self.recipe {
            ScenarioRecipe::Recipe(recipe) => recipe
                .locate_scan(scenario_path, Some(&found))
                .map(|scan| (scan, None)),
            ScenarioRecipe::SegmentationRecipe(recipe) => {
                recipe.locate(scenario_path, Some(&found))
            }
        };
        checked.map_err(|err| ScenarioError::Scan {
            title: self.title.clone(),
            reason: err.to_string(),
        })
    }
}

/// The bundled scenarios (`assets/scenarios/*.json`), in file-name order.
///
/// # Errors
/// [`ScenarioError::Invalid`] when the folder is missing or a file is not a scenario.
pub fn bundled_scenarios() -> Result<Vec<ScenarioFile>, ScenarioError> {
    let folder = locate(Resource::Assets)
        .map(|assets| assets.join("scenarios"))
        .map_err(|err| ScenarioError::Invalid {
            path: "assets/scenarios".to_string(),
            reason: err.to_string(),
        })?;
    let entries = std::fs::read_dir(&folder).map_err(|err| ScenarioError::Invalid {
        path: folder.display().to_string(),
        reason: err.to_string(),
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| Scenario::load(&path).map(|scenario| ScenarioFile { path, scenario }))
        .collect()
}
