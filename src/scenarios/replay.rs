//! Replaying a scenario outside the window (`advlens scenario check|record`, the tests): its
//! recipe runs as `advlens attack --recipe` or `advlens segment --recipe` would run it, and its
//! answer is compared with, or recorded as, the one the file holds.

use std::path::Path;

use super::{Scenario, ScenarioError, ScenarioRecipe};
use crate::device::ComputeDevice;
use crate::imaging::load_scan;
use crate::models::load_shipped;
use crate::pipeline::{AttackRequest, AttackResult, run_pipeline};
use crate::recipe::{Recipe, RecipeExpectation};
use crate::segment::{
    SegmentationRecipe, SegmentationResult, load_segmenter, prepare_scan, segment_scan,
};

/// What replaying a scenario gave.
#[derive(Debug, Clone)]
pub enum ScenarioOutcome {
    /// A classifier's result.
    Attack(Box<AttackResult>),
    /// A segmenter's result, and the device it ran on.
    Segmentation(Box<SegmentationResult>, String),
}

impl ScenarioOutcome {
    /// The answer in words: the classes before and after, or the Dice after.
    #[must_use]
    pub fn verdict(&self) -> String {
        match self {
            Self::Attack(result) => {
                let prediction = &result.adversarial_prediction;
                let confidence = prediction.probs.get(prediction.label).copied();
                format!(
                    "{} → {} ({:.1} %)",
                    result.clean.class_name,
                    prediction.class_name,
                    100.0 * confidence.unwrap_or(0.0)
                )
            }
            Self::Segmentation(result, _) => format!(
                "Dice {:.4} clean → {:.4} attacked",
                result.clean_dice, result.adversarial_dice
            ),
        }
    }
}

impl Scenario {
    /// Runs the scenario's recipe on `device`.
    ///
    /// # Errors
    /// [`ScenarioError`] when its scan or model is missing or the attack fails.
    pub fn run(
        &self,
        scenario_path: &Path,
        device: &ComputeDevice,
    ) -> Result<ScenarioOutcome, ScenarioError> {
        let (scan_path, mask) = self.locate_files(scenario_path)?;
        match &self.recipe {
            ScenarioRecipe::Recipe(recipe) => self
                .run_attack(recipe, &scan_path, device)
                .map(|result| ScenarioOutcome::Attack(Box::new(result))),
            ScenarioRecipe::SegmentationRecipe(recipe) => self
                .run_segmentation(recipe, &scan_path, mask.as_deref(), device)
                .map(|result| {
                    ScenarioOutcome::Segmentation(Box::new(result), device.description.clone())
                }),
        }
    }

    fn failed(&self, reason: String) -> ScenarioError {
        ScenarioError::Run {
            title: self.title.clone(),
            reason,
        }
    }

    fn missing_model(&self, model: &str) -> ScenarioError {
        ScenarioError::Model {
            title: self.title.clone(),
            model: model.to_string(),
        }
    }

    fn run_attack(
        &self,
        recipe: &Recipe,
        scan_path: &Path,
        device: &ComputeDevice,
    ) -> Result<AttackResult, ScenarioError> {
        let scan =
            load_scan(scan_path, &recipe.load_options()).map_err(|e| self.failed(e.to_string()))?;
        let model = load_shipped(&recipe.model, &device.device)
            .map_err(|_| self.missing_model(&recipe.model))?;
        run_pipeline(
            &model,
            &AttackRequest {
                scan,
                spec: recipe.spec.clone(),
            },
            device,
            &crate::attacks::AttackControl::default(),
        )
        .map_err(|err| self.failed(err.to_string()))
    }

    fn run_segmentation(
        &self,
        recipe: &SegmentationRecipe,
        scan_path: &Path,
        mask: Option<&Path>,
        device: &ComputeDevice,
    ) -> Result<SegmentationResult, ScenarioError> {
        let model = load_segmenter(&recipe.model, &device.device)
            .map_err(|_| self.missing_model(&recipe.model))?;
        let scan = prepare_scan(
            scan_path,
            mask,
            recipe.pixel_size_mm,
            model.card.spec.input_size,
            &device.device,
        )
        .map_err(|err| self.failed(err.to_string()))?;
        let attack = recipe
            .attack()
            .map_err(|err| self.failed(err.to_string()))?;
        segment_scan(
            &model,
            &scan.input,
            scan.reference,
            scan.pixel_mm,
            attack.as_ref(),
            None,
        )
        .map_err(|err| self.failed(err.to_string()))
    }

    /// Whether `outcome` is the answer recorded: for a classifier the same class and
    /// bit-identical probabilities; for a segmenter the same attacked foreground, Dice within
    /// 10⁻⁵ and L∞ within 10⁻⁶ (`SegmentationRecipe::reproduced_by`).
    #[must_use]
    pub fn reproduced_by(&self, outcome: &ScenarioOutcome) -> bool {
        match (&self.recipe, outcome) {
            (ScenarioRecipe::Recipe(_), ScenarioOutcome::Attack(result)) => {
                self.reproduced_by_attack(result)
            }
            (ScenarioRecipe::SegmentationRecipe(recipe), ScenarioOutcome::Segmentation(r, _)) => {
                recipe.reproduced_by(r)
            }
            _ => false,
        }
    }

    /// [`Self::reproduced_by`] for a classifier's result (false for a segmentation scenario).
    #[must_use]
    pub fn reproduced_by_attack(&self, result: &AttackResult) -> bool {
        let ScenarioRecipe::Recipe(recipe) = &self.recipe else {
            return false;
        };
        let expected = &recipe.expected;
        expected.adversarial_label == result.adversarial_prediction.label
            && expected.adversarial_probs == result.adversarial_prediction.probs
    }

    /// Records `outcome` as the scenario's answer (an outcome of the other kind is ignored).
    pub fn record(&mut self, outcome: &ScenarioOutcome) {
        match (&mut self.recipe, outcome) {
            (ScenarioRecipe::Recipe(recipe), ScenarioOutcome::Attack(result)) => {
                recipe.expected = RecipeExpectation {
                    adversarial_probs: result.adversarial_prediction.probs.clone(),
                    adversarial_label: result.adversarial_prediction.label,
                    linf: result.metrics.linf,
                    device: result.device.clone(),
                };
                recipe.gradient = result.gradient_route.describe();
            }
            (
                ScenarioRecipe::SegmentationRecipe(recipe),
                ScenarioOutcome::Segmentation(result, device),
            ) => recipe.record(result, device),
            _ => {}
        }
    }
}
