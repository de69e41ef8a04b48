//! The three small pictures of one evaluated scan — the original, its perturbation (amplified
//! to the largest change, blue darker, red brighter) and the adversarial scan — as RGB pixels,
//! shared by the report and the window's failure gallery.

use crate::eval::{ScanEvaluation, ScanRecord};
use crate::export::diverging;

/// RGB pictures (`size`, row-major, 3 bytes per pixel) of one scan under one attack.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanThumbnails {
    /// Width and height.
    pub size: [usize; 2],
    /// The clean scan.
    pub original: Vec<u8>,
    /// The perturbation at the flipping ε, amplified (`None` when nothing flipped the scan).
    pub perturbation: Option<Vec<u8>>,
    /// The adversarial scan at the flipping ε.
    pub adversarial: Option<Vec<u8>>,
    /// The largest change in the perturbation, on the [0, 1] scale.
    pub largest_change: f32,
}

fn grey_rgb(levels: &[u16]) -> Vec<u8> {
    levels
        .iter()
        .flat_map(|&v| {
            let grey = (f32::from(v) / 257.0).round() as u8;
            [grey, grey, grey]
        })
        .collect()
}

/// The pictures of `record` (the `position`-th record of `evaluation`) under `attack`.
#[must_use]
pub fn scan_thumbnails(
    evaluation: &ScanEvaluation,
    position: usize,
    record: &ScanRecord,
    attack: usize,
) -> ScanThumbnails {
    let [height, width] = evaluation.size;
    let original = evaluation
        .originals
        .get(position)
        .cloned()
        .unwrap_or_else(|| vec![0; width * height]);
    let evidence = record
        .attacks
        .get(attack)
        .and_then(|scan| scan.at_flip.as_ref());
    let delta: Option<Vec<f32>> = evidence.map(|e| {
        e.adversarial
            .iter()
            .zip(&original)
            .map(|(&a, &o)| (f32::from(a) - f32::from(o)) / 65535.0)
            .collect()
    });
    let largest_change = delta
        .as_ref()
        .map_or(0.0, |d| d.iter().fold(0.0f32, |m, v| m.max(v.abs())));
    ScanThumbnails {
        size: [width, height],
        original: grey_rgb(&original),
        perturbation: delta.map(|d| {
            d.iter()
                .flat_map(|&v| diverging(v, largest_change))
                .collect()
        }),
        adversarial: evidence.map(|e| grey_rgb(&e.adversarial)),
        largest_change,
    }
}
