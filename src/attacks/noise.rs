//! The random-noise control: Gaussian or uniform noise rescaled to exactly ε in the chosen
//! norm, so "noise of this size" can be compared with "an attack of this size".

use burn::tensor::Tensor;

use super::projection::{l2_per_image, linf_per_image};
use super::random::{normal, uniform};
use super::region::keep_inside;
use super::{AttackConfig, NoiseDistribution, Norm};

/// `clamp(x + n, 0, 1)` with `‖n‖ = ε` before clamping; with a region, the noise is drawn
/// inside it only, then scaled, so it still has norm ε.
pub(crate) fn noise_control(
    clean: &Tensor<4>,
    config: &AttackConfig,
    region: Option<&Tensor<4>>,
) -> Tensor<4> {
    let device = clean.device();
    let shape = clean.dims();
    let drawn = match config.noise {
        NoiseDistribution::Gaussian => normal(shape, config.seed, 1, &device),
        NoiseDistribution::Uniform => uniform(shape, -1.0, 1.0, config.seed, 1, &device),
    };
    let noise = keep_inside(&drawn.zeros_like(), drawn, region);
    let size = match config.norm() {
        Norm::Linf => linf_per_image(&noise),
        Norm::L2 => l2_per_image(&noise),
    };
    let scaled = noise.mul(size.add_scalar(1e-12).recip().mul_scalar(config.epsilon));
    clean.clone().add(scaled).clamp(0.0, 1.0)
}
