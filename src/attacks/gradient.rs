//! The input gradient of the attack objective: cross-entropy of the true class (to increase)
//! or of the target class (to decrease), summed over the batch.

use burn::tensor::{Device, Tensor};

use super::AttackError;
use super::losses::cross_entropy_rows;
use super::objective::{
    AttackedLogits, AttackedModel, Differentiated, differentiate, one_hot_rows,
};
use crate::models::Classifier;

/// One-hot rows `[batch, classes]` for the given labels.
#[must_use]
pub fn labels_tensor(labels: &[usize], classes: usize, device: &Device) -> Tensor<2> {
    one_hot_rows(labels, classes, device)
}

/// The cross-entropy objective through the attacked model: +CE(label) when untargeted (ascend
/// to leave the class), −CE(target) when targeted (ascend to reach the target).
pub(crate) fn cross_entropy_gradient(
    target: &dyn AttackedLogits,
    input: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
) -> Result<Differentiated, AttackError> {
    differentiate(target, input, &|rows| {
        let loss = cross_entropy_rows(rows, &rows.per_row(labels));
        if targeted { loss.neg() } else { loss }
    })
}

/// ∇ₓ of the attack objective: +CE(label) when untargeted (ascend to leave the class),
/// −CE(target) when targeted (ascend to reach the target).
///
/// `model` must live on an autodiff device with frozen parameters; `input` may be on the
/// plain device. The gradient comes back on the plain device.
///
/// # Shapes
/// - input: `[batch, 1, h, w]`; output: same.
///
/// # Errors
/// [`AttackError::NoGradient`] if autodiff produced none.
pub fn loss_gradient(
    model: &Classifier,
    input: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
) -> Result<Tensor<4>, AttackError> {
    let target = AttackedModel {
        model,
        path: None,
        region: None,
    };
    Ok(cross_entropy_gradient(&target, input, labels, targeted)?.gradient)
}
