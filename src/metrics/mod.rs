//! Perturbation metrics on the [0, 1] scale: L0, L2, L∞, PSNR and SSIM, computed as Burn
//! tensor operations on the device.

mod norms;
mod ssim;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

pub use norms::{l0_count, l2_norm, linf_norm, psnr_db};
pub use ssim::ssim;

/// Errors from metrics.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// A tensor could not be read back from the device.
    #[error("could not read a metric back from the device: {0}")]
    ReadBack(String),
    /// Images of different sizes.
    #[error("images differ in size: {0:?} vs {1:?}")]
    ShapeMismatch([usize; 4], [usize; 4]),
}

/// How big a perturbation is and how much it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerturbationMetrics {
    /// Pixels changed.
    pub l0: usize,
    /// Pixels changed, as a fraction of all pixels.
    pub l0_fraction: f64,
    /// Euclidean length of the change.
    pub l2: f64,
    /// Largest absolute change.
    pub linf: f64,
    /// Peak signal-to-noise ratio in dB (`None` when the images are identical: infinite).
    pub psnr_db: Option<f64>,
    /// Structural similarity (1 = identical).
    pub ssim: f64,
}

/// All metrics between a clean and an adversarial image (first of the batch).
///
/// # Errors
/// [`MetricsError`] on a shape mismatch or a failed read-back.
pub fn perturbation_metrics(
    clean: &Tensor<4>,
    adversarial: &Tensor<4>,
) -> Result<PerturbationMetrics, MetricsError> {
    if clean.dims() != adversarial.dims() {
        return Err(MetricsError::ShapeMismatch(
            clean.dims(),
            adversarial.dims(),
        ));
    }
    let [_, channels, height, width] = clean.dims();
    let first = |t: &Tensor<4>| t.clone().slice([0..1, 0..channels, 0..height, 0..width]);
    let (clean, adversarial) = (first(clean), first(adversarial));
    let delta = adversarial.clone().sub(clean.clone());
    let pixels = channels * height * width;
    let l0 = l0_count(&delta)?;
    Ok(PerturbationMetrics {
        l0,
        l0_fraction: l0 as f64 / pixels as f64,
        l2: l2_norm(&delta)?,
        linf: linf_norm(&delta)?,
        psnr_db: psnr_db(&delta)?,
        ssim: ssim(&clean, &adversarial)?,
    })
}

/// Reads a one-element tensor back as f64.
pub(crate) fn scalar(tensor: Tensor<1>) -> Result<f64, MetricsError> {
    let values: Vec<f32> = tensor
        .try_into_data()
        .map_err(|err| MetricsError::ReadBack(format!("{err:?}")))?
        .try_to_vec()
        .map_err(|err| MetricsError::ReadBack(format!("{err:?}")))?;
    values
        .first()
        .map(|&v| f64::from(v))
        .ok_or_else(|| MetricsError::ReadBack("empty tensor".to_string()))
}
