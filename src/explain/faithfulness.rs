//! Whether a map points at what the model uses: the deletion and insertion curves of Petsiuk
//! et al. 2018 (RISE, section 4.2). Pixels are taken in order of decreasing ranking value
//! (`RankedMap::ranking`: the map for the CAM family, the signed attribution for the pixel
//! methods; ties by position). *Deletion* starts from the scan and replaces them, a step at a time, by black;
//! a faithful map makes the class probability fall fast (low area under the curve).
//! *Insertion* starts from the scan blurred (Gaussian, σ = 5 pixels, as RISE's substrate) and
//! puts them back; a faithful map makes it rise fast (high area). The areas are trapezoids
//! over the fraction of pixels changed, 0 to 1.

use burn::tensor::activation::softmax;
use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::{ExplainError, host};
use crate::defenses::gaussian_blur;
use crate::models::ModelPair;

/// Steps along each curve (each changes 1/`STEPS` of the pixels).
pub const STEPS: usize = 32;

/// The blur σ, in pixels, of the insertion curve's starting image.
pub const INSERTION_BLUR_SIGMA: f32 = 5.0;

/// Images per model pass.
const CHUNK: usize = 33;

/// One map's deletion and insertion curves for one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaithfulnessCurves {
    /// The class whose probability is followed.
    pub class: usize,
    /// Its probability after deleting 0, 1/`STEPS`, …, all of the pixels (`STEPS + 1` values).
    pub deletion: Vec<f32>,
    /// Its probability after inserting 0, 1/`STEPS`, …, all of the pixels into the blurred scan.
    pub insertion: Vec<f32>,
    /// Area under the deletion curve (lower: the map found what matters).
    pub deletion_auc: f32,
    /// Area under the insertion curve (higher: the map found what matters).
    pub insertion_auc: f32,
}

/// The curves of the clean scan's map (for its predicted class) and of the adversarial scan's
/// map (for its predicted class).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Faithfulness {
    /// Clean scan.
    pub clean: FaithfulnessCurves,
    /// Adversarial scan.
    pub adversarial: FaithfulnessCurves,
}

/// The trapezoid area under values sampled evenly over [0, 1].
#[must_use]
pub fn area_under_curve(values: &[f32]) -> f32 {
    if values.len() < 2 {
        return values.first().copied().unwrap_or(0.0);
    }
    let step = 1.0 / (values.len() - 1) as f32;
    values
        .windows(2)
        .map(|pair| 0.5 * (pair[0] + pair[1]) * step)
        .sum()
}

/// Pixel indices by decreasing map value, ties by position (NaN last).
#[must_use]
pub fn pixel_order(map: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..map.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| {
            if map[i].is_nan() {
                f32::NEG_INFINITY
            } else {
                map[i]
            }
        };
        key(b).total_cmp(&key(a)).then(a.cmp(&b))
    });
    order
}

/// The images of one curve: image k takes the first k/`STEPS` of `order` from `to` and the rest
/// from `from`.
fn curve_images(from: &[f32], to: &[f32], order: &[usize]) -> Vec<Vec<f32>> {
    let pixels = order.len();
    let mut image = from.to_vec();
    let mut images = vec![image.clone()];
    let mut done = 0;
    for step in 1..=STEPS {
        let until = pixels * step / STEPS;
        for &index in &order[done..until] {
            image[index] = to[index];
        }
        done = until;
        images.push(image.clone());
    }
    images
}

/// The class probability of each image, in chunks.
fn class_probabilities(
    models: &ModelPair,
    images: &[Vec<f32>],
    [height, width]: [usize; 2],
    class: usize,
    device: &burn::tensor::Device,
) -> Result<Vec<f32>, ExplainError> {
    let mut out = Vec::with_capacity(images.len());
    for chunk in images.chunks(CHUNK) {
        let values: Vec<f32> = chunk.iter().flatten().copied().collect();
        let batch = Tensor::<4>::from_data(
            TensorData::new(values, [chunk.len(), 1, height, width]),
            device,
        );
        let logits = models.inference.forward(batch);
        let classes = logits.dims()[1];
        if class >= classes {
            return Err(ExplainError::InvalidClass { class, classes });
        }
        let probs = softmax(logits, 1).slice([0..chunk.len(), class..class + 1]);
        out.extend(host(probs)?);
    }
    Ok(out)
}

/// The deletion and insertion curves of a ranking (one value per pixel, larger = more
/// evidence for the class; `RankedMap::ranking`) for one scan and class.
///
/// # Shapes
/// - input: `[1, 1, h, w]`; map: `h·w` values
///
/// # Errors
/// [`ExplainError`] for a class out of range, a map of the wrong size or a failed read-back.
pub fn deletion_insertion(
    models: &ModelPair,
    input: &Tensor<4>,
    map: &[f32],
    class: usize,
) -> Result<FaithfulnessCurves, ExplainError> {
    let [batch, channels, height, width] = input.dims();
    if batch != 1 || channels != 1 || map.len() != height * width {
        return Err(ExplainError::InvalidParameter(format!(
            "deletion and insertion need one grey scan and one value per pixel, got {batch}×{channels}×{height}×{width} and {} values",
            map.len()
        )));
    }
    let device = input.device();
    let plain = input.clone().without_autodiff();
    let scan = host(plain.clone())?;
    let blurred = host(gaussian_blur(&plain, INSERTION_BLUR_SIGMA))?;
    let black = vec![0.0f32; scan.len()];
    let order = pixel_order(map);
    let deletion = class_probabilities(
        models,
        &curve_images(&scan, &black, &order),
        [height, width],
        class,
        &device,
    )?;
    let insertion = class_probabilities(
        models,
        &curve_images(&blurred, &scan, &order),
        [height, width],
        class,
        &device,
    )?;
    Ok(FaithfulnessCurves {
        class,
        deletion_auc: area_under_curve(&deletion),
        insertion_auc: area_under_curve(&insertion),
        deletion,
        insertion,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_trapezoids_over_the_unit_interval() {
        assert!((area_under_curve(&[1.0, 1.0, 1.0]) - 1.0).abs() < 1e-6);
        assert!((area_under_curve(&[1.0, 0.0]) - 0.5).abs() < 1e-6);
        assert!((area_under_curve(&[0.0, 1.0, 0.0]) - 0.5).abs() < 1e-6);
    }

    #[test]
    fn pixels_go_by_decreasing_value_then_position() {
        assert_eq!(
            pixel_order(&[0.1, 0.9, 0.5, 0.9, f32::NAN]),
            vec![1, 3, 2, 0, 4]
        );
    }

    #[test]
    fn curve_images_change_the_pixels_in_order() {
        let from = vec![0.0f32; 64];
        let to = vec![1.0f32; 64];
        let order: Vec<usize> = (0..64).rev().collect();
        let images = curve_images(&from, &to, &order);
        assert_eq!(images.len(), STEPS + 1);
        assert_eq!(images[0], from);
        assert_eq!(images[STEPS], to);
        // After one step, 64/32 = 2 pixels: the last two.
        assert_eq!(images[1].iter().filter(|v| **v == 1.0).count(), 2);
        assert_eq!(
            (images[1][63], images[1][62], images[1][61]),
            (1.0, 1.0, 0.0)
        );
    }
}
