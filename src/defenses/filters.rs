//! Median filter, Gaussian blur and bit-depth reduction as Burn tensor operations, with edges
//! replicated (no dark borders).

use burn::tensor::module::{conv2d, unfold4d};
use burn::tensor::ops::{ConvOptions, UnfoldOptions};
use burn::tensor::{Tensor, TensorData};

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

/// Median of each `size × size` neighbourhood (odd size).
///
/// # Shapes
/// - input and output `[batch, 1, h, w]`
#[must_use]
pub fn median_filter(images: &Tensor<4>, size: usize) -> Tensor<4> {
    let [batch, channels, height, width] = images.dims();
    let padded = replicate_pad(images, size / 2);
    let patches = unfold4d(
        padded,
        [size, size],
        UnfoldOptions::new([1, 1], [0, 0], [1, 1]),
    ); // [b, c·k·k, h·w]
    let middle = size * size / 2;
    let sorted = patches
        .reshape([batch * channels, size * size, height * width])
        .sort(1);
    sorted
        .slice([0..batch * channels, middle..middle + 1, 0..height * width])
        .reshape([batch, channels, height, width])
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
