//! Total-variation denoising (Chambolle 2004) and wavelet soft-threshold denoising (Haar,
//! BayesShrink thresholds per sub-band, Chang et al. 2000), as Burn tensor operations.

use std::ops::RangeInclusive;

use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions};
use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::DefenseError;
use super::param::check;

/// Total-variation denoising's parameters (also MedRDF's denoiser).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TvConfig {
    /// Weight on the [0, 1] scale, [`Self::WEIGHT`].
    #[serde(rename = "tv_weight")]
    pub weight: f32,
    /// Chambolle iterations, [`Self::ITERATIONS`].
    #[serde(rename = "tv_iterations")]
    pub iterations: usize,
}

impl TvConfig {
    /// The weights accepted.
    pub const WEIGHT: RangeInclusive<f32> = 0.001..=1.0;
    /// The iteration counts accepted.
    pub const ITERATIONS: RangeInclusive<usize> = 1..=500;

    /// Checks both.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        check("TV weight", self.weight, &Self::WEIGHT)?;
        check("TV iterations", self.iterations, &Self::ITERATIONS)
    }

    /// In words.
    #[must_use]
    pub fn describe(&self) -> String {
        format!("TV denoising, weight {}", self.weight)
    }
}

impl Default for TvConfig {
    fn default() -> Self {
        Self {
            weight: 0.08,
            iterations: 30,
        }
    }
}

/// Wavelet denoising's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WaveletConfig {
    /// Haar decomposition levels, [`Self::LEVELS`].
    #[serde(rename = "wavelet_levels")]
    pub levels: usize,
    /// Noise level on the [0, 1] scale for the thresholds, [`Self::SIGMA`]; 0 estimates it per
    /// image.
    #[serde(rename = "wavelet_sigma")]
    pub sigma: f32,
}

impl WaveletConfig {
    /// The levels accepted.
    pub const LEVELS: RangeInclusive<usize> = 1..=6;
    /// The noise levels accepted (0 = estimate).
    pub const SIGMA: RangeInclusive<f32> = 0.0..=0.5;

    /// Checks both.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        check("wavelet levels", self.levels, &Self::LEVELS)?;
        check("wavelet σ", self.sigma, &Self::SIGMA)
    }

    /// In words.
    #[must_use]
    pub fn describe(&self) -> String {
        let sigma = if self.sigma > 0.0 {
            format!("σ = {}", self.sigma)
        } else {
            "σ estimated".to_string()
        };
        format!("wavelet denoising, {} levels, {sigma}", self.levels)
    }
}

impl Default for WaveletConfig {
    fn default() -> Self {
        Self {
            levels: 3,
            sigma: 0.0,
        }
    }
}

/// Forward differences along `dim` (2: height, 3: width), zero at the last row or column.
fn forward_difference(u: &Tensor<4>, dim: usize) -> Tensor<4> {
    let dims = u.dims();
    let length = dims[dim];
    if length < 2 {
        return u.zeros_like();
    }
    let inner = u
        .clone()
        .narrow(dim, 1, length - 1)
        .sub(u.clone().narrow(dim, 0, length - 1));
    let mut edge = dims;
    edge[dim] = 1;
    Tensor::cat(vec![inner, Tensor::zeros(edge, &u.device())], dim)
}

/// Forward differences along width and height, zero at the last column/row.
fn gradient(u: &Tensor<4>) -> (Tensor<4>, Tensor<4>) {
    (forward_difference(u, 3), forward_difference(u, 2))
}

/// `values` moved one step along `dim`, a zero row or column entering at the start.
fn shifted_forward(values: &Tensor<4>, dim: usize) -> Tensor<4> {
    let dims = values.dims();
    let mut edge = dims;
    edge[dim] = 1;
    Tensor::cat(
        vec![
            Tensor::zeros(edge, &values.device()),
            values.clone().narrow(dim, 0, dims[dim] - 1),
        ],
        dim,
    )
}

/// The divergence, the negative adjoint of [`gradient`].
fn divergence(px: &Tensor<4>, py: &Tensor<4>) -> Tensor<4> {
    px.clone()
        .sub(shifted_forward(px, 3))
        .add(py.clone().sub(shifted_forward(py, 2)))
}

/// Isotropic total variation of each image: Σ √(dx² + dy²), shaped `[batch]`.
#[must_use]
pub fn total_variation(images: &Tensor<4>) -> Tensor<1> {
    let [batch, ..] = images.dims();
    let (dx, dy) = gradient(images);
    dx.powi_scalar(2)
        .add(dy.powi_scalar(2))
        .sqrt()
        .reshape([batch as i32, -1])
        .sum_dim(1)
        .reshape([batch])
}

/// Minimises `‖u − f‖²/2 + weight·TV(u)` by Chambolle's dual projection (τ = 1/4) for
/// `iterations` steps. A larger weight removes more (detail included).
///
/// # Shapes
/// - input and output `[batch, 1, h, w]`
#[must_use]
pub fn tv_denoise(images: &Tensor<4>, weight: f32, iterations: usize) -> Tensor<4> {
    let [_, _, height, width] = images.dims();
    if weight <= 0.0 || height < 2 || width < 2 {
        return images.clone();
    }
    let tau = 0.25f32;
    let mut px = images.zeros_like();
    let mut py = images.zeros_like();
    for _ in 0..iterations {
        let u = images.clone().sub(divergence(&px, &py).mul_scalar(weight));
        let (gx, gy) = gradient(&u);
        let magnitude = gx
            .clone()
            .powi_scalar(2)
            .add(gy.clone().powi_scalar(2))
            .sqrt();
        let scale = magnitude.mul_scalar(tau / weight).add_scalar(1.0);
        px = px.sub(gx.mul_scalar(tau / weight)).div(scale.clone());
        py = py.sub(gy.mul_scalar(tau / weight)).div(scale);
    }
    images.clone().sub(divergence(&px, &py).mul_scalar(weight))
}

/// The four orthonormal Haar filters `[4, 1, 2, 2]`: approximation, horizontal, vertical and
/// diagonal detail.
fn haar_filters(device: &burn::tensor::Device) -> Tensor<4> {
    let values = vec![
        0.5, 0.5, 0.5, 0.5, // approximation
        0.5, -0.5, 0.5, -0.5, // detail across columns
        0.5, 0.5, -0.5, -0.5, // detail across rows
        0.5, -0.5, -0.5, 0.5, // diagonal detail
    ];
    Tensor::from_data(TensorData::new(values, [4, 1, 2, 2]), device)
}

/// Pads the bottom and right edges by repetition up to multiples of `multiple`.
fn pad_to_multiple(images: &Tensor<4>, multiple: usize) -> Tensor<4> {
    let [batch, channels, height, width] = images.dims();
    let padded_height = height.div_ceil(multiple) * multiple;
    let padded_width = width.div_ceil(multiple) * multiple;
    let mut output = images.clone();
    if padded_height > height {
        let last = output
            .clone()
            .slice([0..batch, 0..channels, height - 1..height, 0..width])
            .repeat_dim(2, padded_height - height);
        output = Tensor::cat(vec![output, last], 2);
    }
    if padded_width > width {
        let last = output
            .clone()
            .slice([0..batch, 0..channels, 0..padded_height, width - 1..width])
            .repeat_dim(3, padded_width - width);
        output = Tensor::cat(vec![output, last], 3);
    }
    output
}

/// Per image, the median of |values| over dims 1.. (`[batch, n]` in, `[batch, 1]` out).
fn median_abs(values: Tensor<2>) -> Tensor<2> {
    let [batch, count] = values.dims();
    let middle = count / 2;
    values.abs().sort(1).slice([0..batch, middle..middle + 1])
}

/// Soft thresholding with a per-image threshold `[batch, 1, 1, 1]`.
fn soft_threshold(coefficients: Tensor<4>, threshold: Tensor<4>) -> Tensor<4> {
    let shrunk = coefficients
        .clone()
        .abs()
        .sub(threshold.expand(coefficients.dims()))
        .clamp_min(0.0);
    coefficients.sign().mul(shrunk)
}

/// Wavelet denoising: a `levels`-deep Haar decomposition whose detail coefficients are soft-
/// thresholded with BayesShrink thresholds `σ²/σₓ` per image and sub-band, `σ` being the noise
/// level (`noise_sigma`, or when 0 the robust estimate median(|HH₁|)/0.6745).
///
/// # Shapes
/// - input and output `[batch, 1, h, w]`
#[must_use]
pub fn wavelet_denoise(images: &Tensor<4>, levels: usize, noise_sigma: f32) -> Tensor<4> {
    let [batch, channels, height, width] = images.dims();
    let levels = levels.clamp(1, 6);
    let device = images.device();
    let filters = haar_filters(&device);
    let mut approximation = pad_to_multiple(images, 1 << levels);
    let mut details = Vec::with_capacity(levels);
    for _ in 0..levels {
        let bands = conv2d(
            approximation,
            filters.clone(),
            None,
            ConvOptions::new([2, 2], [0, 0], [1, 1], 1),
        ); // [b, 4, h/2, w/2]
        let [b, _, h, w] = bands.dims();
        approximation = bands.clone().slice([0..b, 0..1, 0..h, 0..w]);
        details.push(bands.slice([0..b, 1..4, 0..h, 0..w]));
    }
    let sigma = if noise_sigma > 0.0 {
        Tensor::<2>::full([batch, 1], noise_sigma, &device)
    } else {
        let finest = &details[0];
        let [b, _, h, w] = finest.dims();
        median_abs(
            finest
                .clone()
                .detach()
                .slice([0..b, 2..3, 0..h, 0..w])
                .reshape([b, h * w]),
        )
        .div_scalar(0.6745)
    };
    let noise_variance = sigma.powi_scalar(2).reshape([batch, 1, 1, 1]);
    for detail in details.iter_mut().rev() {
        let [b, _, h, w] = detail.dims();
        let mut bands = Vec::with_capacity(3);
        for band in 0..3 {
            let coefficients = detail.clone().slice([0..b, band..band + 1, 0..h, 0..w]);
            let signal_variance = coefficients
                .clone()
                .powi_scalar(2)
                .reshape([b, h * w])
                .mean_dim(1)
                .reshape([b, 1, 1, 1])
                .sub(noise_variance.clone())
                .clamp_min(1e-12);
            let threshold = noise_variance.clone().div(signal_variance.sqrt());
            bands.push(soft_threshold(coefficients, threshold));
        }
        *detail = Tensor::cat(bands, 1);
    }
    for detail in details.into_iter().rev() {
        let bands = Tensor::cat(vec![approximation, detail], 1);
        approximation = conv_transpose2d(
            bands,
            filters.clone(),
            None,
            ConvTransposeOptions::new([2, 2], [0, 0], [0, 0], [1, 1], 1),
        );
    }
    approximation.slice([0..batch, 0..channels, 0..height, 0..width])
}
