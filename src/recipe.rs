//! Recipes: everything needed to replay an attack from the command line and get the same
//! result — the scan (by file name and SHA-256, never its folder or any patient data), frame
//! and window, model, attack and label — with the answer it gave, to check the replay.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::imaging::{LoadOptions, Window};
use crate::pipeline::{AttackResult, AttackSpec};

/// Errors from reading or using a recipe.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// The recipe file is unreadable or not a recipe.
    #[error("invalid recipe ({reason}): {path}")]
    Invalid {
        /// Why.
        reason: String,
        /// The file.
        path: String,
    },
    /// The scan cannot be found.
    #[error("the recipe's scan '{name}' was not found beside the recipe; pass --scan PATH")]
    ScanNotFound {
        /// Its file name.
        name: String,
    },
    /// The scan found is not the one the recipe was made with.
    #[error("the scan differs from the recipe's (SHA-256 {found} instead of {expected}): {path}")]
    ScanChanged {
        /// Expected hash.
        expected: String,
        /// Found hash.
        found: String,
        /// The file.
        path: String,
    },
}

/// The answer recorded with the recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipeExpectation {
    /// Adversarial class probabilities.
    pub adversarial_probs: Vec<f32>,
    /// Adversarial class.
    pub adversarial_label: usize,
    /// L∞ of the perturbation.
    pub linf: f64,
    /// The device it ran on (bit-exact replay needs the same backend).
    pub device: String,
}

/// A replayable attack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    /// advlens version that wrote it.
    pub advlens_version: String,
    /// The scan's file name (no folder).
    pub scan_file: String,
    /// SHA-256 of the scan file.
    pub scan_sha256: String,
    /// Frame.
    pub frame: usize,
    /// Window (`None` = the file's default).
    pub window: Option<Window>,
    /// Model name.
    pub model: String,
    /// The attack, the true label if the user set one, the defence shown and whether the
    /// attack went through it (flattened: `attack`, `true_label`, `defense`, `adaptive`, as
    /// recipes have always written them).
    #[serde(flatten)]
    pub spec: AttackSpec,
    /// What the attack differentiated, in words (written for the reader; replay recomputes
    /// it from the attack and the defence).
    #[serde(default)]
    pub gradient: String,
    /// What it produced.
    pub expected: RecipeExpectation,
}

impl Recipe {
    /// The recipe that replays `result`, made from the scan file at `scan_path` read with
    /// `options`, the model named `model` and the `spec` that produced it.
    ///
    /// # Errors
    /// [`RecipeError::Invalid`] when the scan file cannot be read to hash it.
    pub fn for_result(
        scan_path: &Path,
        options: LoadOptions,
        model: &str,
        spec: &AttackSpec,
        result: &AttackResult,
    ) -> Result<Self, RecipeError> {
        let (scan_sha256, scan_file) = hash_and_name(scan_path)?;
        Ok(Self {
            advlens_version: env!("CARGO_PKG_VERSION").to_string(),
            scan_file,
            scan_sha256,
            frame: options.frame,
            window: options.window,
            model: model.to_string(),
            spec: AttackSpec {
                attack: result.attack.clone(),
                ..spec.clone()
            },
            gradient: result.gradient_route.describe(),
            expected: RecipeExpectation {
                adversarial_probs: result.adversarial_prediction.probs.clone(),
                adversarial_label: result.adversarial_prediction.label,
                linf: result.metrics.linf,
                device: result.device.clone(),
            },
        })
    }

    /// Reads a recipe.
    ///
    /// # Errors
    /// [`RecipeError::Invalid`].
    pub fn load(path: &Path) -> Result<Self, RecipeError> {
        let invalid = |reason: String| RecipeError::Invalid {
            reason,
            path: path.display().to_string(),
        };
        let text = std::fs::read_to_string(path).map_err(|err| invalid(err.to_string()))?;
        serde_json::from_str(&text).map_err(|err| invalid(err.to_string()))
    }

    /// The load options it was made with.
    #[must_use]
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            frame: self.frame,
            window: self.window,
        }
    }

    /// Finds the scan (an explicit path, else beside the recipe) and checks its hash.
    ///
    /// # Errors
    /// [`RecipeError::ScanNotFound`] or [`RecipeError::ScanChanged`].
    pub fn locate_scan(
        &self,
        recipe_path: &Path,
        explicit: Option<&Path>,
    ) -> Result<PathBuf, RecipeError> {
        locate_file(recipe_path, &self.scan_file, &self.scan_sha256, explicit)
    }
}

/// Finds a file a recipe names (an explicit path, else `file_name` beside the recipe) and
/// checks that its SHA-256 is the recorded one.
///
/// # Errors
/// [`RecipeError::ScanNotFound`] or [`RecipeError::ScanChanged`].
pub fn locate_file(
    recipe_path: &Path,
    file_name: &str,
    sha256: &str,
    explicit: Option<&Path>,
) -> Result<PathBuf, RecipeError> {
    let candidate = match explicit {
        Some(path) => path.to_path_buf(),
        None => recipe_path
            .parent()
            .unwrap_or(Path::new("."))
            .join(file_name),
    };
    if !candidate.is_file() {
        return Err(RecipeError::ScanNotFound {
            name: file_name.to_string(),
        });
    }
    let found = hash_file(&candidate)?;
    if found != sha256 {
        return Err(RecipeError::ScanChanged {
            expected: sha256.to_string(),
            found,
            path: candidate.display().to_string(),
        });
    }
    Ok(candidate)
}

/// The SHA-256 of a file a recipe names, and its name without the folder.
///
/// # Errors
/// [`RecipeError::Invalid`] when the file cannot be read.
pub fn hash_and_name(path: &Path) -> Result<(String, String), RecipeError> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((hash_file(path)?, name))
}

fn hash_file(path: &Path) -> Result<String, RecipeError> {
    crate::datasets::sha256_file(path).map_err(|err| RecipeError::Invalid {
        reason: err.to_string(),
        path: path.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_from_before_the_attack_spec_still_load() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/compat/recipe-v0.1-before-attack-spec.json");
        let recipe = Recipe::load(&path).unwrap();
        assert_eq!(recipe.spec.attack.kind, crate::attacks::AttackKind::PgdL2);
        assert!(recipe.spec.adaptive);
        assert!(recipe.spec.defense.is_some());
        assert_eq!(recipe.gradient, "");
        let text = serde_json::to_string(&recipe).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        for key in ["attack", "true_label", "defense", "adaptive"] {
            assert!(value.get(key).is_some(), "{key} stays a top-level field");
        }
    }
}
