//! Accuracy, per-class recall and the confusion matrix of a classifier on a split.

use burn::tensor::{Device, Tensor};

use crate::datasets::LabelledImages;
use crate::models::Classifier;

/// How a classifier does on a split.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Fraction correct.
    pub accuracy: f32,
    /// `confusion[true][predicted]`.
    pub confusion: Vec<Vec<usize>>,
    /// Recall of each class.
    pub recall: Vec<f32>,
    /// The predicted class of each image, in split order.
    pub predictions: Vec<usize>,
}

/// Evaluates `model` (in evaluation mode, plain device) on the first `limit` images of a split.
///
/// # Errors
/// A message if a batch cannot be read back.
pub fn evaluate_split(
    model: &Classifier,
    split: &LabelledImages,
    classes: usize,
    limit: Option<usize>,
    batch_size: usize,
    device: &Device,
) -> Result<Evaluation, String> {
    evaluate_split_with(
        model,
        split,
        classes,
        limit,
        batch_size,
        device,
        &mut |images, _| Ok(images),
    )
}

/// A batch transform applied before classification: (images, true labels) → images. An attack,
/// a defence or both.
pub type BatchTransform<'a> = dyn FnMut(Tensor<4>, &[usize]) -> Result<Tensor<4>, String> + 'a;

/// Like [`evaluate_split`], with every batch passed through `transform` first.
///
/// # Errors
/// A message if the transform fails or a batch cannot be read back.
pub fn evaluate_split_with(
    model: &Classifier,
    split: &LabelledImages,
    classes: usize,
    limit: Option<usize>,
    batch_size: usize,
    device: &Device,
    transform: &mut BatchTransform<'_>,
) -> Result<Evaluation, String> {
    let count = limit.map_or(split.len(), |l| l.min(split.len()));
    let mut predictions = Vec::with_capacity(count);
    let indices: Vec<usize> = (0..count).collect();
    for chunk in indices.chunks(batch_size.max(1)) {
        let (images, labels) = split.batch(chunk, device);
        let images = transform(images, &labels)?;
        let predicted: Vec<i64> = model
            .forward(images)
            .argmax(1)
            .try_into_data()
            .map_err(|err| format!("{err:?}"))?
            .convert::<i64>()
            .try_to_vec()
            .map_err(|err| format!("{err:?}"))?;
        predictions.extend(predicted.into_iter().map(|p| p as usize));
    }
    let mut confusion = vec![vec![0usize; classes]; classes];
    for (index, &predicted) in predictions.iter().enumerate() {
        let truth = split.labels[index];
        if truth < classes && predicted < classes {
            confusion[truth][predicted] += 1;
        }
    }
    let correct: usize = (0..classes).map(|c| confusion[c][c]).sum();
    let recall = confusion
        .iter()
        .enumerate()
        .map(|(c, row)| row[c] as f32 / row.iter().sum::<usize>().max(1) as f32)
        .collect();
    Ok(Evaluation {
        accuracy: correct as f32 / count.max(1) as f32,
        confusion,
        recall,
        predictions,
    })
}
