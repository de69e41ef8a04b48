//! The segmentation figure: the clean scan with its predicted outline, the perturbation
//! (amplified, blue darker / red brighter), and the attacked scan with its predicted outline —
//! each with the reference outline in green when a true mask was given — enlarged with
//! nearest-neighbour pixels so that one-pixel borders stay visible.

use crate::segment::SegmentationResult;

use super::colormap::diverging;

/// Outline colours: reference (green), clean prediction (yellow), adversarial prediction (red).
const REFERENCE: [u8; 3] = [40, 220, 60];
const CLEAN: [u8; 3] = [250, 210, 40];
const ADVERSARIAL: [u8; 3] = [240, 50, 50];
/// Grey gap between the panels, in output pixels.
const GAP: usize = 8;

/// Whether pixel `index` of a `side × side` mask is foreground with a background 4-neighbour
/// (or the image edge).
fn on_border(mask: &[bool], side: usize, index: usize) -> bool {
    if !mask[index] {
        return false;
    }
    let (x, y) = (index % side, index / side);
    x == 0
        || y == 0
        || x + 1 == side
        || y + 1 == side
        || !mask[index - 1]
        || !mask[index + 1]
        || !mask[index - side]
        || !mask[index + side]
}

/// The three panels side by side, each `scale` times the model input; returns width, height
/// and RGB pixels.
#[must_use]
pub fn segmentation_figure(
    result: &SegmentationResult,
    scale: usize,
) -> (usize, usize, Vec<[u8; 3]>) {
    let side = result.original.width;
    let scale = scale.max(1);
    let panel = side * scale;
    let (width, height) = (3 * panel + 2 * GAP, panel);
    let mut pixels = vec![[60u8, 60, 60]; width * height];
    let clean_mask = SegmentationResult::mask(&result.clean_probability);
    let adversarial_mask = SegmentationResult::mask(&result.adversarial_probability);
    let largest = result.linf.max(1e-6);
    for index in 0..side * side {
        let grey = |image: &crate::imaging::GreyImage| {
            let v = (image.pixels[index].clamp(0.0, 1.0) * 255.0).round() as u8;
            [v, v, v]
        };
        let outline = |prediction: &[bool], colour: [u8; 3], base: [u8; 3]| {
            if result.reference_given && on_border(&result.reference, side, index) {
                REFERENCE
            } else if on_border(prediction, side, index) {
                colour
            } else {
                base
            }
        };
        let delta = result.adversarial.pixels[index] - result.original.pixels[index];
        let colours = [
            outline(&clean_mask, CLEAN, grey(&result.original)),
            diverging(delta, largest),
            outline(&adversarial_mask, ADVERSARIAL, grey(&result.adversarial)),
        ];
        let (x, y) = (index % side, index / side);
        for (p, colour) in colours.into_iter().enumerate() {
            for dy in 0..scale {
                let row = (y * scale + dy) * width + p * (panel + GAP) + x * scale;
                pixels[row..row + scale].fill(colour);
            }
        }
    }
    (width, height, pixels)
}
