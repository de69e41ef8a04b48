//! The one projection every iterative attack uses: back into the ε-ball around the clean
//! image (L∞ or L2), then into the valid pixel range [0, 1].

use burn::tensor::Tensor;

use super::Norm;
use super::random::{normal, uniform};

/// Flattens each image of a batch, reduces it with `reduce` (`[batch, pixels]` →
/// `[batch, 1]`) and shapes the result `[batch, 1, 1, 1]` for broadcasting.
fn per_image(tensor: Tensor<4>, reduce: impl FnOnce(Tensor<2>) -> Tensor<2>) -> Tensor<4> {
    let [batch, channels, height, width] = tensor.dims();
    reduce(tensor.reshape([batch, channels * height * width])).reshape([batch, 1, 1, 1])
}

/// Per-image L2 norm, shaped `[batch, 1, 1, 1]` for broadcasting.
pub(crate) fn l2_per_image(tensor: &Tensor<4>) -> Tensor<4> {
    per_image(tensor.clone().powi_scalar(2), |flat| flat.sum_dim(1).sqrt())
}

/// Per-image L1 norm, shaped `[batch, 1, 1, 1]`.
pub(crate) fn l1_per_image(tensor: &Tensor<4>) -> Tensor<4> {
    per_image(tensor.clone().abs(), |flat| flat.sum_dim(1))
}

/// Per-image largest absolute value, shaped `[batch, 1, 1, 1]`.
pub(crate) fn linf_per_image(tensor: &Tensor<4>) -> Tensor<4> {
    per_image(tensor.clone().abs(), |flat| flat.max_dim(1))
}

/// Each image scaled to unit L2 length (a zero image stays zero).
pub(crate) fn unit_l2(tensor: Tensor<4>) -> Tensor<4> {
    let length = l2_per_image(&tensor).add_scalar(1e-12);
    tensor.div(length)
}

/// A seeded random point of the ε-ball around `clean` — uniform in the L∞ box, or a random
/// direction at a uniform radius in L2 — projected into [0, 1]. The L2 radius is drawn from
/// `stream + 1000`.
pub(crate) fn random_point_in_ball(
    clean: &Tensor<4>,
    epsilon: f64,
    norm: Norm,
    seed: u64,
    stream: u64,
) -> Tensor<4> {
    let device = clean.device();
    let shape = clean.dims();
    let start = match norm {
        Norm::Linf => {
            let half = epsilon as f32;
            clean.clone().add(uniform(
                shape,
                -half,
                half.max(f32::MIN_POSITIVE),
                seed,
                stream,
                &device,
            ))
        }
        Norm::L2 => {
            let radius = uniform([shape[0], 1, 1, 1], 0.0, 1.0, seed, stream + 1000, &device)
                .mul_scalar(epsilon);
            let direction = unit_l2(normal(shape, seed, stream, &device));
            clean.clone().add(direction.mul(radius))
        }
    };
    project(start, clean, epsilon, norm)
}

/// Projects `adversarial` onto the ε-ball around `clean` and clamps to [0, 1].
///
/// Clamping after projection never leaves the ball: with `clean` in [0, 1], clamping only
/// moves a pixel towards its clean value.
///
/// # Shapes
/// - adversarial, clean: `[batch, channels, h, w]`
#[must_use]
pub fn project(adversarial: Tensor<4>, clean: &Tensor<4>, epsilon: f64, norm: Norm) -> Tensor<4> {
    let delta = adversarial.sub(clean.clone());
    let delta = match norm {
        Norm::Linf => delta.clamp(-epsilon, epsilon),
        Norm::L2 => {
            let scale = l2_per_image(&delta)
                .add_scalar(1e-12)
                .recip()
                .mul_scalar(epsilon)
                .clamp_max(1.0);
            delta.mul(scale)
        }
    };
    clean.clone().add(delta).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn tensor(values: Vec<f32>) -> Tensor<4> {
        let n = values.len();
        Tensor::from_data(TensorData::new(values, [1, 1, 1, n]), &Device::flex())
    }

    fn values(t: Tensor<4>) -> Vec<f32> {
        t.into_data().try_to_vec().unwrap()
    }

    #[test]
    fn linf_projection_clips_each_pixel() {
        let clean = tensor(vec![0.5, 0.5, 0.0, 1.0]);
        let far = tensor(vec![0.9, 0.1, -0.5, 1.5]);
        let projected = values(project(far, &clean, 0.1, Norm::Linf));
        let expected = [0.6, 0.4, 0.0, 1.0];
        for (p, e) in projected.iter().zip(expected) {
            assert!((p - e).abs() < 1e-6, "{projected:?}");
        }
    }

    #[test]
    fn l2_projection_scales_to_the_radius() {
        let clean = tensor(vec![0.5, 0.5]);
        let far = tensor(vec![0.8, 0.9]); // delta (0.3, 0.4), length 0.5
        let projected = values(project(far, &clean, 0.25, Norm::L2));
        assert!(
            (projected[0] - 0.65).abs() < 1e-6 && (projected[1] - 0.7).abs() < 1e-6,
            "{projected:?}"
        );
        let near = tensor(vec![0.55, 0.5]);
        let kept = values(project(near, &clean, 0.25, Norm::L2));
        assert!((kept[0] - 0.55).abs() < 1e-6);
    }
}
