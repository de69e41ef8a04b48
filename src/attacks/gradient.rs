//! The input gradient of the attack objective: cross-entropy of the true class (to increase)
//! or of the target class (to decrease), summed over the batch.

use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Tensor, TensorData};

use super::AttackError;
use crate::models::Classifier;

/// One-hot rows `[batch, classes]` for the given labels.
#[must_use]
pub fn labels_tensor(labels: &[usize], classes: usize, device: &Device) -> Tensor<2> {
    let mut values = vec![0.0f32; labels.len() * classes];
    for (row, &label) in labels.iter().enumerate() {
        if label < classes {
            values[row * classes + label] = 1.0;
        }
    }
    Tensor::from_data(TensorData::new(values, [labels.len(), classes]), device)
}

/// Summed cross-entropy of `labels` for a batch of logits.
pub(crate) fn cross_entropy_sum(logits: Tensor<2>, labels: &[usize]) -> Tensor<1> {
    let [_, classes] = logits.dims();
    let one_hot = labels_tensor(labels, classes, &logits.device());
    log_softmax(logits, 1).mul(one_hot).sum().neg()
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
    input: Tensor<4>,
    labels: &[usize],
    targeted: bool,
) -> Result<Tensor<4>, AttackError> {
    let input = input.without_autodiff().autodiff().require_grad();
    let loss = cross_entropy_sum(model.forward(input.clone()), labels);
    let objective = if targeted { loss.neg() } else { loss };
    let grads = objective.backward();
    input.grad(&grads).ok_or(AttackError::NoGradient)
}
