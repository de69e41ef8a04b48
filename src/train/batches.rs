//! Training batches: augmented training images as a tensor with their labels, mixed by
//! mixup or CutMix when the run asks for it.

use burn::tensor::{Device, Tensor, TensorData};
use rand_chacha::ChaCha8Rng;

use super::augment::Augmentation;
use super::config::TrainConfig;
use super::mixing::MixedLabels;
use crate::datasets::Dataset;

/// A training batch: augmented training images, their labels and, under mixup or CutMix,
/// how they were mixed (drawn from the epoch's generator after the augmentation, so a run
/// without mixing draws exactly what it drew before mixing existed).
pub(super) fn training_batch(
    config: &TrainConfig,
    dataset: &Dataset,
    indices: &[usize],
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> (Tensor<4>, Vec<usize>, Option<MixedLabels>) {
    let (height, width) = (dataset.train.height, dataset.train.width);
    let (mut values, labels) = augmented_values(dataset, indices, &config.augmentation, rng);
    let mixed = config.mixing.mix(&mut values, (height, width), rng);
    (
        images_tensor(values, (height, width), device),
        labels,
        mixed,
    )
}

/// Augmented training images, row after row, and their labels.
fn augmented_values(
    dataset: &Dataset,
    indices: &[usize],
    augmentation: &Augmentation,
    rng: &mut ChaCha8Rng,
) -> (Vec<f32>, Vec<usize>) {
    let split = &dataset.train;
    let (height, width) = (split.height, split.width);
    let mut values = Vec::with_capacity(indices.len() * height * width);
    for &index in indices {
        values.extend(augmentation.apply(&split.image_f32(index), height, width, rng));
    }
    (values, indices.iter().map(|&i| split.labels[i]).collect())
}

fn images_tensor(values: Vec<f32>, (height, width): (usize, usize), device: &Device) -> Tensor<4> {
    let batch = values.len() / (height * width).max(1);
    Tensor::from_data(TensorData::new(values, [batch, 1, height, width]), device)
}

/// Augmented training images as a batch tensor, and their labels (no mixing).
pub(super) fn augmented_batch(
    dataset: &Dataset,
    indices: &[usize],
    augmentation: &Augmentation,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> (Tensor<4>, Vec<usize>) {
    let (values, labels) = augmented_values(dataset, indices, augmentation, rng);
    let size = (dataset.train.height, dataset.train.width);
    (images_tensor(values, size, device), labels)
}
