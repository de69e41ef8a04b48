//! Segmentation recipes: everything needed to replay an attack on a mask and get the same
//! result — the scan and its true mask by file name and SHA-256 (never a folder or patient
//! data), the pixel size, the segmenter and the attack — with the answer it gave, to check the
//! replay. Written beside every export; `advlens segment --recipe` replays one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{SegmentationAttack, SegmentationError, SegmentationLoss, SegmentationResult};
use crate::attacks::AttackKind;
use crate::recipe::{RecipeError, hash_and_name, locate_file};

/// The attack as a recipe writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipeAttack {
    /// fgsm, bim, pgd or apgd (`apgd-ce`).
    pub kind: AttackKind,
    /// The adversarial loss in its text form (`dice`, `target:empty`, …).
    pub loss: String,
    /// The L∞ radius on the [0, 1] scale.
    pub epsilon: f64,
    /// Gradient steps.
    pub steps: usize,
    /// An explicit step size, if one was set.
    pub step_size: Option<f64>,
    /// PGD's seed.
    pub seed: u64,
    /// The rectangle the attack was confined to, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<crate::attacks::Region>,
}

/// The answer recorded with the recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentationExpectation {
    /// Dice of the attacked mask against the reference.
    pub adversarial_dice: f32,
    /// Foreground pixels of the attacked mask.
    pub adversarial_foreground_pixels: usize,
    /// The largest pixel change.
    pub linf: f32,
    /// The device it ran on (bit-exact replay needs the same backend).
    pub device: String,
}

/// A replayable segmentation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentationRecipe {
    /// advlens version that wrote it.
    pub advlens_version: String,
    /// The segmenter.
    pub model: String,
    /// The scan's file name (no folder) and SHA-256.
    pub scan_file: String,
    /// SHA-256 of the scan.
    pub scan_sha256: String,
    /// The true mask's file name and SHA-256, if one was the reference.
    pub mask: Option<(String, String)>,
    /// The pixel size the user gave (none: the file's or side-car's own).
    pub pixel_size_mm: Option<f32>,
    /// The attack, if any.
    pub attack: Option<RecipeAttack>,
    /// What it produced.
    pub expected: SegmentationExpectation,
}

impl SegmentationExpectation {
    /// The answer `result` gives, computed on `device`.
    fn of(result: &SegmentationResult, device: &str) -> Self {
        Self {
            adversarial_dice: result.adversarial_dice,
            adversarial_foreground_pixels: foreground(result),
            linf: result.linf,
            device: device.to_string(),
        }
    }
}

fn foreground(result: &SegmentationResult) -> usize {
    result
        .adversarial_probability
        .iter()
        .filter(|&&p| p > 0.5)
        .count()
}

impl SegmentationRecipe {
    /// The recipe that replays `result`.
    ///
    /// # Errors
    /// [`RecipeError::Invalid`] when the scan or the mask cannot be read to hash it.
    pub fn for_result(
        scan: &Path,
        mask: Option<&Path>,
        pixel_size_mm: Option<f32>,
        model: &str,
        attack: Option<&SegmentationAttack>,
        result: &SegmentationResult,
        device: &str,
    ) -> Result<Self, RecipeError> {
        let (scan_sha256, scan_file) = hash_and_name(scan)?;
        let mask = mask
            .map(|path| hash_and_name(path).map(|(hash, name)| (name, hash)))
            .transpose()?;
        Ok(Self {
            advlens_version: env!("CARGO_PKG_VERSION").to_string(),
            model: model.to_string(),
            scan_file,
            scan_sha256,
            mask,
            pixel_size_mm,
            attack: attack.map(|a| RecipeAttack {
                kind: a.kind,
                loss: a.loss.to_string(),
                epsilon: a.epsilon,
                steps: a.steps,
                step_size: a.step_size,
                seed: a.seed,
                region: a.region,
            }),
            expected: SegmentationExpectation::of(result, device),
        })
    }

    /// Records `result`, computed on `device`, as the recipe's answer.
    pub fn record(&mut self, result: &SegmentationResult, device: &str) {
        self.expected = SegmentationExpectation::of(result, device);
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

    /// The recipe as JSON.
    ///
    /// # Errors
    /// A message if it cannot be serialised.
    pub fn to_json(&self) -> Result<String, String> {
        serde_json::to_string_pretty(self).map_err(|err| err.to_string())
    }

    /// The scan (explicit, else beside the recipe) and its mask (beside the scan), each
    /// checked against its hash.
    ///
    /// # Errors
    /// [`RecipeError`] for a missing or changed file.
    pub fn locate(
        &self,
        recipe_path: &Path,
        explicit_scan: Option<&Path>,
    ) -> Result<(PathBuf, Option<PathBuf>), RecipeError> {
        let scan = locate_file(
            recipe_path,
            &self.scan_file,
            &self.scan_sha256,
            explicit_scan,
        )?;
        let mask = match &self.mask {
            Some((name, hash)) => Some(locate_file(&scan, name, hash, None)?),
            None => None,
        };
        Ok((scan, mask))
    }

    /// The attack it records.
    ///
    /// # Errors
    /// [`SegmentationError::InvalidParameter`] for a loss or radius that is not valid.
    pub fn attack(&self) -> Result<Option<SegmentationAttack>, SegmentationError> {
        let Some(recorded) = &self.attack else {
            return Ok(None);
        };
        let loss: SegmentationLoss = recorded
            .loss
            .parse()
            .map_err(SegmentationError::InvalidParameter)?;
        let mut attack = SegmentationAttack::new(recorded.kind, loss, recorded.epsilon)?;
        attack.steps = recorded.steps;
        attack.step_size = recorded.step_size;
        attack.region = recorded.region;
        Ok(Some(attack.with_seed(recorded.seed)))
    }

    /// Whether `result` is the recorded answer: the same attacked foreground, Dice within
    /// 10⁻⁵ and L∞ within 10⁻⁶.
    #[must_use]
    pub fn reproduced_by(&self, result: &SegmentationResult) -> bool {
        let expected = &self.expected;
        foreground(result) == expected.adversarial_foreground_pixels
            && (result.adversarial_dice - expected.adversarial_dice).abs() <= 1e-5
            && (result.linf - expected.linf).abs() <= 1e-6
    }
}
