//! Losses on foreground logit maps, per image so that an attack can sum them and training can
//! average them: binary cross-entropy (computed from the logits, stable for large ones), the
//! soft Dice loss 1 − (2Σpy + 1)/(Σp + Σy + 1) with p = σ(logit) (Milletari et al. 2016), and
//! their sum, which the U-Nets are trained with.

use burn::tensor::Tensor;
use burn::tensor::activation::sigmoid;

/// Mean binary cross-entropy per image: `max(z, 0) − z·y + ln(1 + e^−|z|)` averaged over the
/// pixels.
///
/// # Shapes
/// - logits, targets: `[batch, 1, h, w]` (targets in [0, 1]); output: `[batch]`
#[must_use]
pub fn bce_per_image(logits: Tensor<4>, targets: Tensor<4>) -> Tensor<1> {
    let [batch, _, height, width] = logits.dims();
    let stable = logits
        .clone()
        .clamp_min(0.0)
        .sub(logits.clone().mul(targets))
        .add(logits.abs().neg().exp().log1p());
    stable
        .reshape([batch, height * width])
        .mean_dim(1)
        .reshape([batch])
}

/// Soft Dice loss per image, `1 − (2Σpy + 1)/(Σp + Σy + 1)`; 0 for a perfect confident
/// prediction, near 1 for a disjoint one. The smoothing 1 keeps an empty target and an empty
/// prediction at 0.
///
/// # Shapes
/// - logits, targets: `[batch, 1, h, w]`; output: `[batch]`
#[must_use]
pub fn soft_dice_loss_per_image(logits: Tensor<4>, targets: Tensor<4>) -> Tensor<1> {
    let [batch, _, height, width] = logits.dims();
    let probabilities = sigmoid(logits).reshape([batch, height * width]);
    let targets = targets.reshape([batch, height * width]);
    let overlap = probabilities.clone().mul(targets.clone()).sum_dim(1);
    let total = probabilities.sum_dim(1).add(targets.sum_dim(1));
    overlap
        .mul_scalar(2.0)
        .add_scalar(1.0)
        .div(total.add_scalar(1.0))
        .neg()
        .add_scalar(1.0)
        .reshape([batch])
}

/// The training loss: mean over the batch of BCE + soft Dice.
///
/// # Shapes
/// - logits, targets: `[batch, 1, h, w]`; output: `[1]`
#[must_use]
pub fn bce_dice_loss(logits: Tensor<4>, targets: Tensor<4>) -> Tensor<1> {
    bce_per_image(logits.clone(), targets.clone())
        .add(soft_dice_loss_per_image(logits, targets))
        .mean()
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn tensor(values: &[f32]) -> Tensor<4> {
        Tensor::from_data(
            TensorData::new(values.to_vec(), [1, 1, 1, values.len()]),
            &Device::flex(),
        )
    }

    fn scalar(t: Tensor<1>) -> f32 {
        t.into_data().try_to_vec::<f32>().unwrap()[0]
    }

    #[test]
    fn known_answers() {
        // Logit 0: BCE ln 2 whatever the target.
        let bce = scalar(bce_per_image(tensor(&[0.0, 0.0]), tensor(&[1.0, 0.0])));
        assert!((bce - std::f32::consts::LN_2).abs() < 1e-6);
        // Logit 2, target 1: ln(1 + e⁻²); logit 50 target 0: 50 (no overflow).
        let one = scalar(bce_per_image(tensor(&[2.0]), tensor(&[1.0])));
        assert!((one - (1.0f32 + (-2.0f32).exp()).ln()).abs() < 1e-6);
        let large = scalar(bce_per_image(tensor(&[50.0]), tensor(&[0.0])));
        assert!((large - 50.0).abs() < 1e-4);
        // p = ½ everywhere on 4 pixels, 2 in the target: 1 − (2·1 + 1)/(2 + 2 + 1) = 0.4.
        let dice = scalar(soft_dice_loss_per_image(
            tensor(&[0.0; 4]),
            tensor(&[1.0, 1.0, 0.0, 0.0]),
        ));
        assert!((dice - 0.4).abs() < 1e-6, "{dice}");
        // Confident and right: near 0; an empty target with an empty prediction: near 0.
        let right = scalar(soft_dice_loss_per_image(
            tensor(&[30.0, -30.0]),
            tensor(&[1.0, 0.0]),
        ));
        assert!(right < 1e-5);
        let empty = scalar(soft_dice_loss_per_image(
            tensor(&[-30.0; 3]),
            tensor(&[0.0; 3]),
        ));
        assert!(empty < 1e-5);
    }
}
