//! How an attack runs beyond its parameters (cancellation, progress, the defence it attacks
//! through) and the per-image success test that iterative attacks and restarts share. Kept
//! apart from the dispatcher in `run.rs` so that the attack families depend on it, not on the
//! dispatcher that calls them.

use burn::tensor::{Tensor, TensorData};

use super::AttackError;
use super::adaptive::DefenseGradientPath;
use crate::models::ModelPair;

/// Receives each iterate of an iterative attack: (steps done, the adversarial batch).
pub type IterateHook<'a> = &'a (dyn Fn(usize, &Tensor<4>) + Sync);

/// How an attack runs beyond its parameters: cancellation, progress and, for an adaptive
/// attack, the defence it attacks through.
#[derive(Default, Clone, Copy)]
pub struct AttackControl<'a> {
    /// Attack the defended model (exact, BPDA or EOT gradients, success judged through the defence)
    /// instead of the bare one.
    pub through: Option<&'a dyn DefenseGradientPath>,
    /// Asked between steps; `true` stops the attack with [`AttackError::Cancelled`] (a newer
    /// request superseded it, or the user pressed Cancel).
    pub should_stop: Option<&'a (dyn Fn() -> bool + Sync)>,
    /// Called after each gradient step with (steps done, steps in all).
    pub on_step: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    /// The region mask (`[1, 1, h, w]`, 1 inside) the attack is confined to; `run_attack`
    /// builds it from the configuration's region.
    pub region: Option<&'a Tensor<4>>,
    /// Called as a slow explanation (Score-CAM, occlusion) of a run works through its masked
    /// forward passes, with (done, in all) over both maps.
    pub on_explanation_step: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    /// Called by the iterative gradient attacks (BIM, PGD, MI-FGSM) after each step's
    /// projection with (steps done, the current adversarial batch): the iteration replay.
    pub on_iterate: Option<IterateHook<'a>>,
}

/// Per image, 1.0 where the attack has succeeded (left the label, or reached the target),
/// else 0.0; shaped `[batch, 1, 1, 1]`.
pub(crate) fn success_mask(
    models: &ModelPair,
    images: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    through: Option<&dyn DefenseGradientPath>,
) -> Result<Tensor<4>, AttackError> {
    let plain = images.clone().without_autodiff();
    let seen = match through {
        Some(path) => path.transform(&plain)?,
        None => plain,
    };
    let predictions = models.inference.forward(seen).argmax(1); // [batch, 1]
    let device = predictions.device();
    let label_values: Vec<i64> = labels.iter().map(|&l| l as i64).collect();
    let label_tensor = Tensor::<2, burn::tensor::Int>::from_data(
        TensorData::new(label_values, [labels.len(), 1]),
        &device,
    );
    let same = predictions.equal(label_tensor).float(); // [batch, 1]
    let success = if targeted {
        same
    } else {
        same.neg().add_scalar(1.0)
    };
    Ok(success.reshape([labels.len(), 1, 1, 1]))
}
