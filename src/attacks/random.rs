//! Seeded random tensors: numbers drawn on the CPU from `ChaCha8` (identical on every machine
//! and backend), then uploaded.

use burn::tensor::{Device, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn generator(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Uniform values in `[low, high)`.
pub(crate) fn uniform(
    shape: [usize; 4],
    low: f32,
    high: f32,
    seed: u64,
    stream: u64,
    device: &Device,
) -> Tensor<4> {
    let mut rng = generator(seed, stream);
    let count = shape.iter().product();
    let values: Vec<f32> = (0..count).map(|_| rng.random_range(low..high)).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// Standard normal values (Box–Muller).
pub(crate) fn normal(shape: [usize; 4], seed: u64, stream: u64, device: &Device) -> Tensor<4> {
    let mut rng = generator(seed, stream);
    let count: usize = shape.iter().product();
    let mut values = Vec::with_capacity(count + 1);
    while values.len() < count {
        let u1: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
        let u2: f64 = rng.random();
        let radius = (-2.0 * u1.ln()).sqrt();
        let angle = std::f64::consts::TAU * u2;
        values.push((radius * angle.cos()) as f32);
        values.push((radius * angle.sin()) as f32);
    }
    values.truncate(count);
    Tensor::from_data(TensorData::new(values, shape), device)
}
