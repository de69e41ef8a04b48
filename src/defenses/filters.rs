//! Median filter, Gaussian blur and bit-depth reduction as Burn tensor operations, with edges
//! replicated (no dark borders).

use std::ops::RangeInclusive;

use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::DefenseError;
use super::median_network::windowed_median;
use super::param::check;

/// The median filter's parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MedianConfig {
    /// Window side in pixels, odd, [`Self::SIZE`].
    #[serde(rename = "median_size")]
    pub size: usize,
}

impl MedianConfig {
    /// The window sides accepted (odd only).
    pub const SIZE: RangeInclusive<usize> = 3..=9;

    /// Checks the size.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        check("median size", self.size, &Self::SIZE)?;
        if self.size.is_multiple_of(2) {
            return Err(DefenseError::InvalidParameter(format!(
                "median size {} is even; it must be odd",
                self.size
            )));
        }
        Ok(())
    }

    /// In words.
    #[must_use]
    pub fn describe(&self) -> String {
        format!("median {0}×{0}", self.size)
    }
}

impl Default for MedianConfig {
    fn default() -> Self {
        Self { size: 3 }
    }
}

/// The Gaussian blur's parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlurConfig {
    /// σ in pixels, [`Self::SIGMA`].
    #[serde(rename = "blur_sigma")]
    pub sigma: f32,
}

impl BlurConfig {
    /// The σ accepted, in pixels.
    pub const SIGMA: RangeInclusive<f32> = 0.1..=5.0;

    /// Checks σ.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        check("blur σ", self.sigma, &Self::SIGMA)
    }

    /// In words.
    #[must_use]
    pub fn describe(&self) -> String {
        format!("Gaussian blur σ = {}", self.sigma)
    }
}

impl Default for BlurConfig {
    fn default() -> Self {
        Self { sigma: 1.0 }
    }
}

/// Bit-depth reduction's parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BitDepthConfig {
    /// Bits per pixel kept, [`Self::BITS`].
    pub bits: u8,
}

impl BitDepthConfig {
    /// The bit depths accepted.
    pub const BITS: RangeInclusive<u8> = 1..=8;

    /// Checks the bit depth.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        check("bit depth", self.bits, &Self::BITS)
    }

    /// In words.
    #[must_use]
    pub fn describe(&self) -> String {
        format!("{} bits", self.bits)
    }
}

impl Default for BitDepthConfig {
    fn default() -> Self {
        Self { bits: 4 }
    }
}

/// Pads `radius` pixels on every side by repeating the edge pixels.
///
/// # Shapes
/// - input `[batch, c, h, w]` → output `[batch, c, h + 2r, w + 2r]`
#[must_use]
pub fn replicate_pad(images: &Tensor<4>, radius: usize) -> Tensor<4> {
    if radius == 0 {
        return images.clone();
    }
    let [batch, channels, height, width] = images.dims();
    let top = images
        .clone()
        .slice([0..batch, 0..channels, 0..1, 0..width])
        .repeat_dim(2, radius);
    let bottom = images
        .clone()
        .slice([0..batch, 0..channels, height - 1..height, 0..width])
        .repeat_dim(2, radius);
    let tall = Tensor::cat(vec![top, images.clone(), bottom], 2); // [b, c, h + 2r, w]
    let rows = height + 2 * radius;
    let left = tall
        .clone()
        .slice([0..batch, 0..channels, 0..rows, 0..1])
        .repeat_dim(3, radius);
    let right = tall
        .clone()
        .slice([0..batch, 0..channels, 0..rows, width - 1..width])
        .repeat_dim(3, radius);
    Tensor::cat(vec![left, tall, right], 3)
}

/// Median of each `size × size` neighbourhood (odd size), edges replicated.
///
/// # Shapes
/// - input and output `[batch, 1, h, w]`
#[must_use]
pub fn median_filter(images: &Tensor<4>, size: usize) -> Tensor<4> {
    windowed_median(&replicate_pad(images, size / 2), size)
}

/// Gaussian blur with standard deviation `sigma` (kernel radius ⌈3σ⌉), separable.
///
/// # Shapes
/// - input and output `[batch, 1, h, w]`
#[must_use]
pub fn gaussian_blur(images: &Tensor<4>, sigma: f32) -> Tensor<4> {
    let radius = (3.0 * sigma).ceil().max(1.0) as usize;
    let taps: Vec<f32> = (0..=2 * radius)
        .map(|i| (-((i as f32 - radius as f32).powi(2)) / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f32 = taps.iter().sum();
    let taps: Vec<f32> = taps.into_iter().map(|t| t / total).collect();
    let device = images.device();
    let length = taps.len();
    let horizontal =
        Tensor::<4>::from_data(TensorData::new(taps.clone(), [1, 1, 1, length]), &device);
    let vertical = Tensor::<4>::from_data(TensorData::new(taps, [1, 1, length, 1]), &device);
    let padded = replicate_pad(images, radius);
    let options = ConvOptions::new([1, 1], [0, 0], [1, 1], 1);
    let rows = conv2d(padded, horizontal, None, options.clone()); // [b, 1, h + 2r, w]
    conv2d(rows, vertical, None, options) // [b, 1, h, w]
}

/// Rounds every pixel to one of `2^bits` evenly spaced levels in [0, 1].
#[must_use]
pub fn bit_depth(images: &Tensor<4>, bits: u8) -> Tensor<4> {
    let levels = f32::from((1u16 << bits) - 1);
    images
        .clone()
        .clamp(0.0, 1.0)
        .mul_scalar(levels)
        .round()
        .div_scalar(levels)
}
