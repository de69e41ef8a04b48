//! Test-time defences applied on the [0, 1] scale before the model sees an image. This module
//! holds the classical pre-processing baselines — JPEG re-compression, median filter, Gaussian
//! blur and bit-depth reduction — which are not taken from the seed surveys; they are here to
//! show what pre-processing does (and, against an adaptive attacker, does not do).

mod config;
mod filters;
mod jpeg;

pub use config::{DefenseConfig, DefenseKind};
pub use filters::{bit_depth, gaussian_blur, median_filter, replicate_pad};
pub use jpeg::jpeg_recompress;

use burn::tensor::Tensor;

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

/// Applies a defence to a batch `[batch, 1, h, w]` in [0, 1]; the output is in [0, 1] too.
///
/// # Errors
/// [`DefenseError`] for bad parameters or a failed JPEG round trip.
pub fn apply_defense(
    images: &Tensor<4>,
    config: &DefenseConfig,
) -> Result<Tensor<4>, DefenseError> {
    config.validate()?;
    let output = match config.kind {
        DefenseKind::Jpeg => jpeg_recompress(images, config.jpeg_quality)?,
        DefenseKind::Median => median_filter(images, config.median_size),
        DefenseKind::GaussianBlur => gaussian_blur(images, config.blur_sigma),
        DefenseKind::BitDepth => bit_depth(images, config.bits),
    };
    Ok(output.clamp(0.0, 1.0))
}
