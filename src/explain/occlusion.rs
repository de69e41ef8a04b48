//! Occlusion (Zeiler & Fergus 2014), following Captum's `Occlusion`: a square window slides
//! over the scan with a stride, each position is replaced by a black baseline (0), and every
//! pixel is attributed the mean drop of the class logit over the windows that cover it.
//! Positions start at 0 and step by the stride while the window fits, as Captum's do; pixels
//! no window covers get 0. No gradient is used, so it also explains models whose gradients
//! are masked.

use burn::tensor::{Tensor, TensorData};

use super::{ExplainConfig, ExplainError, Progress, host};
use crate::models::ModelPair;

/// Occluded copies per model pass.
const CHUNK: usize = 32;

/// Window start positions along an axis of `length` pixels.
fn starts(length: usize, window: usize, stride: usize) -> Vec<usize> {
    if window > length || stride == 0 {
        return Vec::new();
    }
    (0..=length - window).step_by(stride).collect()
}

/// Occlusion's signed attributions: positive where hiding the pixel lowers the class logit.
///
/// # Shapes
/// - input: `[batch, 1, h, w]`; output: same
///
/// # Errors
/// [`ExplainError`] for a class out of range, a window larger than the scan or a failed
/// read-back.
pub fn occlusion(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    config: &ExplainConfig,
    progress: Progress<'_>,
) -> Result<Tensor<4>, ExplainError> {
    let [batch, channels, height, width] = input.dims();
    let (window, stride) = (config.occlusion_window, config.occlusion_stride);
    let (rows, columns) = (
        starts(height, window, stride),
        starts(width, window, stride),
    );
    if rows.is_empty() || columns.is_empty() {
        return Err(ExplainError::InvalidParameter(format!(
            "an occlusion window of {window} px does not fit a {height}×{width} scan"
        )));
    }
    let device = input.device();
    let plain = input.clone().without_autodiff();
    let logits = models.inference.forward(plain.clone());
    let classes = logits.dims()[1];
    if class >= classes {
        return Err(ExplainError::InvalidClass { class, classes });
    }
    let reference = host(logits.slice([0..batch, class..class + 1]))?;
    let positions: Vec<(usize, usize)> = rows
        .iter()
        .flat_map(|&r| columns.iter().map(move |&c| (r, c)))
        .collect();
    let pixels = channels * height * width;
    let mut maps = Vec::with_capacity(batch * pixels);
    for (image, clean_score) in reference.iter().enumerate() {
        let one = plain.clone().narrow(0, image, 1);
        let mut drops = Vec::with_capacity(positions.len());
        for chunk in positions.chunks(CHUNK) {
            let masks: Vec<f32> = chunk
                .iter()
                .flat_map(|&(top, left)| {
                    (0..pixels).map(move |i| {
                        let (y, x) = ((i / width) % height, i % width);
                        let inside =
                            (top..top + window).contains(&y) && (left..left + window).contains(&x);
                        if inside { 0.0 } else { 1.0 }
                    })
                })
                .collect();
            let keep = Tensor::<4>::from_data(
                TensorData::new(masks, [chunk.len(), channels, height, width]),
                &device,
            );
            let occluded = one.clone().repeat_dim(0, chunk.len()).mul(keep);
            let scores = models.inference.forward(occluded);
            let scores = host(scores.slice([0..chunk.len(), class..class + 1]))?;
            drops.extend(scores.iter().map(|s| clean_score - s));
            if let Some(report) = progress {
                report(
                    image * positions.len() + drops.len(),
                    batch * positions.len(),
                );
            }
        }
        let mut total = vec![0.0f32; height * width];
        let mut count = vec![0u32; height * width];
        for (&(top, left), drop) in positions.iter().zip(&drops) {
            for y in top..top + window {
                for x in left..left + window {
                    total[y * width + x] += drop;
                    count[y * width + x] += 1;
                }
            }
        }
        let map: Vec<f32> = total
            .iter()
            .zip(&count)
            .map(|(t, &c)| if c > 0 { t / c as f32 } else { 0.0 })
            .collect();
        for _ in 0..channels {
            maps.extend_from_slice(&map);
        }
    }
    Ok(Tensor::from_data(
        TensorData::new(maps, [batch, channels, height, width]),
        &device,
    ))
}

#[cfg(test)]
mod tests {
    use super::starts;

    #[test]
    fn windows_start_where_they_fit() {
        assert_eq!(starts(8, 4, 2), vec![0, 2, 4]);
        assert_eq!(starts(128, 16, 8).len(), 15);
        assert_eq!(starts(9, 4, 4), vec![0, 4]);
        assert!(starts(4, 8, 2).is_empty());
    }
}
