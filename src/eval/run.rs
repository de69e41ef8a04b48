//! The evaluation plan and the robustness table of a model on a set of scans.

use super::EvalError;
use super::scan_run::{EvalHooks, evaluate_scans};
use crate::attacks::AttackConfig;
use crate::datasets::LabelledImages;
use crate::defenses::DefenseConfig;
use crate::device::ComputeDevice;
use crate::models::{LoadedModel, RobustnessTable};

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct EvalPlan {
    /// The attacks (their ε is replaced by each of `epsilons`).
    pub attacks: Vec<AttackConfig>,
    /// L∞ radii on the [0, 1] scale; 0 is clean accuracy.
    pub epsilons: Vec<f64>,
    /// The defence in front of the model, if any.
    pub defense: Option<DefenseConfig>,
    /// Attack through the defence (exact gradients, BPDA or EOT, as the defence allows).
    pub adaptive: bool,
    /// Images per batch.
    pub batch_size: usize,
}

/// Evaluates `model` on `images` under every attack and ε of `plan` and returns the
/// robustness table. `on_progress` gets (images done, images in all) after each batch.
///
/// # Errors
/// [`EvalError`] from an attack, a defence or a read-back.
pub fn evaluate_robustness(
    model: &LoadedModel,
    images: &LabelledImages,
    plan: &EvalPlan,
    device: &ComputeDevice,
    on_progress: &mut dyn FnMut(usize, usize),
) -> Result<RobustnessTable, EvalError> {
    let evaluation = evaluate_scans(
        model,
        images,
        plan,
        device,
        &mut EvalHooks {
            should_stop: None,
            on_batch: &mut |partial| on_progress(partial.done(), partial.planned),
        },
    )?;
    Ok(evaluation.table())
}
