//! Folding evaluation-mode batch normalisation into the convolution before it.
//!
//! In evaluation mode `bn(conv(x)) = γ·(W∗x − μ)/√(σ² + ε) + β`, which is one convolution with
//! weights `W·s` and bias `β − μ·s` for `s = γ/√(σ² + ε)` (plus `b·s` when the convolution had a
//! bias `b`). The folded network computes the same logits and input gradients up to float
//! rounding with one pass per layer instead of a convolution and four element-wise passes
//! (Burn's batch norm is not fused on the CPU backend). Only the attack and inference copies
//! of a model are folded ([`crate::models::ModelPair::new`]); training keeps its batch norms.

use burn::module::Param;
use burn::nn::BatchNorm;
use burn::nn::conv::Conv2d;
use burn::tensor::{Tensor, TensorData};

/// `conv` with `bn` folded in, or `None` when a tensor could not be read back (then the caller
/// keeps the two layers).
pub(crate) fn fold_into_conv(conv: &Conv2d, bn: &BatchNorm) -> Option<Conv2d> {
    let gamma = host_values(bn.gamma.val())?;
    let beta = host_values(bn.beta.val())?;
    let mean = host_values(bn.running_mean.value())?;
    let var = host_values(bn.running_var.value())?;
    let weight = conv.weight.val();
    let dims = weight.dims();
    let device = weight.device();
    let weights = host_values(weight)?;
    let channels = dims[0];
    if [gamma.len(), beta.len(), mean.len(), var.len()] != [channels; 4] {
        return None;
    }
    let bias = match &conv.bias {
        Some(bias) => host_values(bias.val())?,
        None => vec![0.0; channels],
    };
    let scale: Vec<f64> = (0..channels)
        .map(|c| gamma[c] / (var[c] + bn.epsilon).sqrt())
        .collect();
    let per_channel = weights.len() / channels.max(1);
    let folded_weights: Vec<f32> = weights
        .iter()
        .enumerate()
        .map(|(index, &w)| (w * scale[index / per_channel]) as f32)
        .collect();
    let folded_bias: Vec<f32> = (0..channels)
        .map(|c| ((bias[c] - mean[c]) * scale[c] + beta[c]) as f32)
        .collect();
    let mut folded = conv.clone();
    folded.weight = Param::from_tensor(Tensor::from_data(
        TensorData::new(folded_weights, dims),
        &device,
    ));
    folded.bias = Some(Param::from_tensor(Tensor::from_data(
        TensorData::new(folded_bias, [channels]),
        &device,
    )));
    Some(folded)
}

/// `bn(conv(x))`, or `conv(x)` alone when `bn` was folded into `conv` (then through
/// [`super::lowered_conv::convolve`], which picks the faster CPU route for the layer).
pub(crate) fn conv_then_norm(
    conv: &Conv2d,
    bn: &BatchNorm,
    folded: bool,
    x: Tensor<4>,
) -> Tensor<4> {
    if folded {
        // Only the evaluation copies take the lowered product: training keeps Burn's own
        // convolution, so that a card's command still repeats its weights bit for bit.
        super::lowered_conv::convolve(conv, x)
    } else {
        bn.forward(conv.forward(x))
    }
}

/// A tensor's values on the host, widened to f64 (whatever float type it is stored in).
fn host_values<const D: usize>(tensor: Tensor<D>) -> Option<Vec<f64>> {
    let data = tensor.into_data().convert::<f32>();
    data.try_to_vec::<f32>()
        .ok()
        .map(|values| values.into_iter().map(f64::from).collect())
}
