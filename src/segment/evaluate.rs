//! Scoring a segmenter on a split, optionally through a batch transform (an attack): per image
//! the Dice, IoU, mean IoU and head-circumference error, and their summary.

use burn::tensor::{Device, Tensor};

use super::dataset::MaskedImages;
use super::metrics::{dice, fit_ellipse, hausdorff_95, iou, mean_iou};
use super::{SegmentationError, SegmentationScores};
use crate::models::UNet;

/// How one image was segmented.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageScore {
    /// Dice of the foreground.
    pub dice: f32,
    /// IoU of the foreground.
    pub iou: f32,
    /// Mean IoU of foreground and background.
    pub mean_iou: f32,
    /// 95th-percentile Hausdorff distance in pixels (none when exactly one mask is empty).
    pub hd95: Option<f32>,
    /// Predicted head circumference in mm (pixel size known and a mask predicted).
    pub hc_mm: Option<f32>,
    /// |predicted − official| head circumference in mm.
    pub hc_error_mm: Option<f32>,
}

/// A batch transform applied before segmentation: (images, true masks) → images.
pub type SegmentationTransform<'a> =
    dyn FnMut(Tensor<4>, Tensor<4>) -> Result<Tensor<4>, SegmentationError> + 'a;

/// The foreground masks (logit > 0) of a batch, one `Vec<bool>` per image.
///
/// # Errors
/// [`SegmentationError::ReadBack`] if the logits cannot be read back.
pub fn predicted_masks(
    model: &UNet,
    images: Tensor<4>,
) -> Result<Vec<Vec<bool>>, SegmentationError> {
    let [batch, _, height, width] = images.dims();
    let logits = super::host_values(model.forward(images))?;
    Ok(logits
        .chunks(height * width)
        .take(batch)
        .map(|image| image.iter().map(|&z| z > 0.0).collect())
        .collect())
}

/// Scores `model` (evaluation mode, plain device) on the first `limit` images of `split`,
/// each batch passed through `transform` first.
///
/// # Errors
/// [`SegmentationError`] from the transform or a read-back.
pub fn score_split(
    model: &UNet,
    split: &MaskedImages,
    limit: Option<usize>,
    batch_size: usize,
    device: &Device,
    transform: &mut SegmentationTransform<'_>,
) -> Result<Vec<ImageScore>, SegmentationError> {
    let count = limit.map_or(split.len(), |l| l.min(split.len()));
    let indices: Vec<usize> = (0..count).collect();
    let mut scores = Vec::with_capacity(count);
    for chunk in indices.chunks(batch_size.max(1)) {
        let (images, masks) = split.batch(chunk, device);
        let images = transform(images, masks)?;
        for (&index, predicted) in chunk.iter().zip(predicted_masks(model, images)?) {
            let truth: Vec<bool> = split.mask_f32(index).iter().map(|&m| m > 0.5).collect();
            scores.push(score_image(&predicted, &truth, split, index));
        }
    }
    Ok(scores)
}

/// Scores one predicted mask against image `index` of `split`.
#[must_use]
pub fn score_image(
    predicted: &[bool],
    truth: &[bool],
    split: &MaskedImages,
    index: usize,
) -> ImageScore {
    let size = [split.height, split.width];
    let metadata = split.metadata.get(index).copied().flatten();
    let hc_mm = metadata
        .and_then(|m| fit_ellipse(predicted, size).map(|e| e.circumference() * m.pixel_size_mm));
    ImageScore {
        dice: dice(predicted, truth),
        iou: iou(predicted, truth),
        mean_iou: mean_iou(predicted, truth),
        hd95: hausdorff_95(predicted, truth, size),
        hc_mm,
        hc_error_mm: hc_mm
            .zip(metadata)
            .map(|(hc, m)| (hc - m.official_hc_mm).abs()),
    }
}

/// The summary of per-image scores. An image with a known pixel size but no predicted mask
/// counts as an error of its whole official circumference.
#[must_use]
pub fn summarize(scores: &[ImageScore], split: &MaskedImages) -> SegmentationScores {
    let n = scores.len().max(1) as f32;
    let mean = |f: fn(&ImageScore) -> f32| scores.iter().map(f).sum::<f32>() / n;
    let mut dices: Vec<f32> = scores.iter().map(|s| s.dice).collect();
    let mut errors: Vec<f32> = scores
        .iter()
        .enumerate()
        .filter_map(|(index, score)| {
            let official = split.metadata.get(index).copied().flatten()?.official_hc_mm;
            Some(score.hc_error_mm.unwrap_or(official))
        })
        .collect();
    let mut distances: Vec<f32> = scores.iter().filter_map(|s| s.hd95).collect();
    SegmentationScores {
        images: scores.len(),
        hd95_median_px: median(&mut distances),
        dice: mean(|s| s.dice),
        dice_median: median(&mut dices).unwrap_or(0.0),
        iou: mean(|s| s.iou),
        mean_iou: mean(|s| s.mean_iou),
        hc_error_mm_median: median(&mut errors),
        hc_error_mm_mean: (!errors.is_empty())
            .then(|| errors.iter().sum::<f32>() / errors.len() as f32),
    }
}

fn median(values: &mut [f32]) -> Option<f32> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f32::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        0.5 * (values[middle - 1] + values[middle])
    } else {
        values[middle]
    })
}
