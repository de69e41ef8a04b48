//! Pixel deflection (Prakash et al. 2018, cited by the seed surveys for chest X-ray): many
//! randomly chosen pixels are replaced by a random neighbour within a window, then the image is
//! wavelet-denoised. The original weights deflections by a class-activation map; this version
//! deflects uniformly over the image.

use std::ops::RangeInclusive;

use burn::tensor::{Int, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::DefenseError;
use super::denoise::wavelet_denoise;
use super::param::check;

/// Pixel deflection's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeflectionConfig {
    /// Pixels deflected per image, [`Self::PIXELS`].
    #[serde(rename = "deflections")]
    pub pixels: usize,
    /// Window radius in pixels, [`Self::WINDOW`].
    #[serde(rename = "deflection_window")]
    pub window: usize,
}

impl DeflectionConfig {
    /// The pixel counts accepted.
    pub const PIXELS: RangeInclusive<usize> = 1..=20_000;
    /// The window radii accepted.
    pub const WINDOW: RangeInclusive<usize> = 1..=64;

    /// Checks both.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        check("deflected pixels", self.pixels, &Self::PIXELS)?;
        check("deflection window", self.window, &Self::WINDOW)
    }

    /// In words.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "pixel deflection, {} pixels within {} px",
            self.pixels, self.window
        )
    }
}

impl Default for DeflectionConfig {
    fn default() -> Self {
        Self {
            pixels: 200,
            window: 10,
        }
    }
}

/// For one `height × width` image, the source pixel of every pixel after `deflections`
/// deflections within `window` pixels (simultaneous: sources are read from the input).
#[must_use]
pub fn deflection_map(
    height: usize,
    width: usize,
    deflections: usize,
    window: usize,
    rng: &mut ChaCha8Rng,
) -> Vec<i64> {
    let mut sources: Vec<i64> = (0..(height * width) as i64).collect();
    if height == 0 || width == 0 {
        return sources;
    }
    let window = window.max(1) as i64;
    for _ in 0..deflections {
        let row = rng.random_range(0..height);
        let column = rng.random_range(0..width);
        let source_row =
            (row as i64 + rng.random_range(-window..=window)).clamp(0, height as i64 - 1);
        let source_column =
            (column as i64 + rng.random_range(-window..=window)).clamp(0, width as i64 - 1);
        sources[row * width + column] = source_row * width as i64 + source_column;
    }
    sources
}

/// Deflects `deflections` pixels of every image (each image its own random draw from
/// `seed`/`stream`), then wavelet-denoises with an estimated noise level.
///
/// # Shapes
/// - input and output `[batch, 1, h, w]`
#[must_use]
pub fn pixel_deflection(
    images: &Tensor<4>,
    deflections: usize,
    window: usize,
    seed: u64,
    stream: u64,
) -> Tensor<4> {
    let [batch, channels, height, width] = images.dims();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    let mut indices = Vec::with_capacity(batch * channels * height * width);
    for _ in 0..batch * channels {
        indices.extend(deflection_map(height, width, deflections, window, &mut rng));
    }
    let index = Tensor::<2, Int>::from_data(
        TensorData::new(indices, [batch * channels, height * width]),
        &images.device(),
    );
    let deflected = images
        .clone()
        .reshape([batch * channels, height * width])
        .gather(1, index)
        .reshape([batch, channels, height, width]);
    wavelet_denoise(&deflected, 3, 0.0)
}
