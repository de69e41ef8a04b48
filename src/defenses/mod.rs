//! Test-time defences applied on the [0, 1] scale before the model sees an image:
//! - classical pre-processing baselines, not taken from the seed surveys: JPEG
//!   re-compression, median filter, Gaussian blur, bit-depth reduction;
//! - denoisers: total variation and wavelet soft thresholding;
//! - randomized ones: pixel deflection, a MedRDF-style vote over noisy denoised copies and
//!   randomized smoothing with a certified L2 radius;
//! - feature-squeezing detection, and the path an adaptive attack (exact, BPDA, EOT) takes through
//!   any of them.

mod certify;
mod config;
mod config_text;
mod deflection;
mod denoise;
mod filters;
mod jpeg;
mod median_network;
mod param;
mod path;
mod squeeze;
mod voting;

pub use certify::{Certificate, certify, clopper_pearson_lower, inverse_normal_cdf};
pub use config::{DefenseConfig, DefenseKind};
pub use deflection::{DeflectionConfig, deflection_map, pixel_deflection};
pub use denoise::{TvConfig, WaveletConfig, total_variation, tv_denoise, wavelet_denoise};
pub use filters::{
    BitDepthConfig, BlurConfig, MedianConfig, bit_depth, gaussian_blur, median_filter,
    replicate_pad,
};
pub use jpeg::{JpegConfig, jpeg_recompress};
pub use path::{DefensePath, gradient_route_through};
pub use squeeze::{
    SQUEEZERS, calibrate_threshold, false_positive_rate, squeeze_scores, squeeze_scores_given,
};
pub use voting::{DefendedBatch, MedRdfConfig, SmoothingConfig, defended_predict};

use burn::tensor::Tensor;

use crate::attacks::random::normal;

/// Draw index of the defender's own randomness: attackers' EOT draws count up from 0, the
/// defence's prediction uses draws from here, so an attacker never sees the exact draw.
pub const PREDICTION_DRAW: u64 = 1 << 40;

/// Errors from defences.
#[derive(Debug, thiserror::Error)]
pub enum DefenseError {
    /// A parameter outside its range.
    #[error("invalid defence parameter: {0}")]
    InvalidParameter(String),
    /// JPEG encoding or decoding failed, or a tensor could not be read back.
    #[error("the defence failed: {0}")]
    Failed(String),
}

/// What the model sees after the defence, for one draw of its randomness (`draw` is ignored
/// by deterministic defences). In [0, 1], except randomized smoothing's noisy copy, which is
/// not clipped (Cohen et al.).
///
/// # Shapes
/// - input and output `[batch, 1, h, w]`
///
/// # Errors
/// [`DefenseError`] for bad parameters or a failed JPEG round trip.
pub fn defended_input(
    images: &Tensor<4>,
    config: &DefenseConfig,
    draw: u64,
) -> Result<Tensor<4>, DefenseError> {
    crate::fault::inject(crate::fault::FaultStage::Defence);
    config.validate()?;
    let noise =
        |sigma: f32| normal(images.dims(), config.seed, draw, &images.device()).mul_scalar(sigma);
    let output = match config.kind {
        DefenseKind::Jpeg => jpeg_recompress(images, config.jpeg.quality)?,
        DefenseKind::Median => median_filter(images, config.median.size),
        DefenseKind::GaussianBlur => gaussian_blur(images, config.blur.sigma),
        DefenseKind::BitDepth => bit_depth(images, config.bit_depth.bits),
        DefenseKind::TvDenoise => tv_denoise(images, config.tv.weight, config.tv.iterations),
        DefenseKind::Wavelet => {
            wavelet_denoise(images, config.wavelet.levels, config.wavelet.sigma)
        }
        DefenseKind::PixelDeflection => pixel_deflection(
            images,
            config.deflection.pixels,
            config.deflection.window,
            config.seed,
            draw,
        ),
        DefenseKind::MedRdf => tv_denoise(
            &images
                .clone()
                .add(noise(config.medrdf.sigma))
                .clamp(0.0, 1.0),
            config.tv.weight,
            config.tv.iterations,
        ),
        DefenseKind::Smoothing => return Ok(images.clone().add(noise(config.smoothing.sigma))),
    };
    Ok(output.clamp(0.0, 1.0))
}

/// The defended image to show: the defender's own draw, clipped to [0, 1].
///
/// # Errors
/// [`DefenseError`] for bad parameters or a failed JPEG round trip.
pub fn apply_defense(
    images: &Tensor<4>,
    config: &DefenseConfig,
) -> Result<Tensor<4>, DefenseError> {
    Ok(defended_input(images, config, PREDICTION_DRAW)?.clamp(0.0, 1.0))
}
