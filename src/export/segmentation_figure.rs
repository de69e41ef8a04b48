//! The segmentation figure: the clean scan with its predicted outline, the perturbation
//! (amplified, blue darker / red brighter), and the attacked scan with its predicted outline —
//! each with the reference outline in green when a true mask was given — enlarged with
//! nearest-neighbour pixels so that one-pixel borders stay visible; and the five pictures of
//! the window's segmentation view (those three, the added and removed pixels, and the attacked
//! probability map).

use crate::segment::SegmentationResult;

use super::colormap::{diverging, gradcam_overlay, viridis};

/// Outline colours: reference (green), clean prediction (yellow), adversarial prediction (red).
const REFERENCE: [u8; 3] = [40, 220, 60];
const CLEAN: [u8; 3] = [250, 210, 40];
const ADVERSARIAL: [u8; 3] = [240, 50, 50];
/// Outline of the mask behind a defence (violet).
const DEFENDED: [u8; 3] = [200, 90, 255];
/// Pixels the attack added to the mask (orange) and removed from it (blue).
const ADDED: [u8; 3] = [255, 150, 20];
const REMOVED: [u8; 3] = [40, 140, 255];
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

/// One picture of the segmentation view, at the model's input size.
#[derive(Debug, Clone)]
pub struct SegmentationPanel {
    /// Its title.
    pub title: &'static str,
    /// Its side in pixels.
    pub side: usize,
    /// RGB pixels, row-major.
    pub pixels: Vec<[u8; 3]>,
}

/// The seven pictures: the clean scan with its predicted outline, the perturbation, the attacked
/// scan with its outline (each scan with the reference outline in green when a true mask was
/// given), the pixels the attack added to and removed from the mask over the dimmed attacked
/// scan, what each mask depends on (the gradient of its foreground probability, over the scan),
/// and the attacked foreground probability (viridis, 0–1) — or, when a defence is chosen, the
/// defended attacked scan with its outline (violet).
#[must_use]
pub fn segmentation_panels(result: &SegmentationResult) -> Vec<SegmentationPanel> {
    let side = result.original.width;
    let clean_mask = SegmentationResult::mask(&result.clean_probability);
    let adversarial_mask = SegmentationResult::mask(&result.adversarial_probability);
    let largest = result.linf.max(1e-6);
    let grey = |value: f32| {
        let v = (value.clamp(0.0, 1.0) * 255.0).round() as u8;
        [v, v, v]
    };
    let outlined = |image: &crate::imaging::GreyImage, prediction: &[bool], colour: [u8; 3]| {
        (0..side * side)
            .map(|index| {
                if result.reference_given && on_border(&result.reference, side, index) {
                    REFERENCE
                } else if on_border(prediction, side, index) {
                    colour
                } else {
                    grey(image.pixels[index])
                }
            })
            .collect()
    };
    let perturbation = result
        .adversarial
        .pixels
        .iter()
        .zip(&result.original.pixels)
        .map(|(a, o)| diverging(a - o, largest))
        .collect();
    let probability = |values: &[f32]| values.iter().map(|&p| viridis(p)).collect();
    let saliency = |image: &crate::imaging::GreyImage, map: &[f32]| {
        image
            .pixels
            .iter()
            .zip(map)
            .map(|(&grey, &heat)| gradcam_overlay(grey, heat, 0.7))
            .collect()
    };
    vec![
        SegmentationPanel {
            title: "Clean scan and its mask",
            side,
            pixels: outlined(&result.original, &clean_mask, CLEAN),
        },
        SegmentationPanel {
            title: "Perturbation (amplified to its largest change)",
            side,
            pixels: perturbation,
        },
        SegmentationPanel {
            title: "Attacked scan and its mask",
            side,
            pixels: outlined(&result.adversarial, &adversarial_mask, ADVERSARIAL),
        },
        SegmentationPanel {
            title: "What the attack changed: added (orange), removed (blue)",
            side,
            pixels: (0..side * side)
                .map(|index| match (clean_mask[index], adversarial_mask[index]) {
                    (false, true) => ADDED,
                    (true, false) => REMOVED,
                    _ => {
                        let [v, _, _] = grey(result.adversarial.pixels[index]);
                        let dim = v / 2;
                        [dim, dim, dim]
                    }
                })
                .collect(),
        },
        SegmentationPanel {
            title: "What the clean mask depends on (foreground gradient)",
            side,
            pixels: saliency(&result.original, &result.saliency_clean),
        },
        SegmentationPanel {
            title: "What the attacked mask depends on",
            side,
            pixels: saliency(&result.adversarial, &result.saliency_adversarial),
        },
        match &result.defended {
            Some(defended) => SegmentationPanel {
                title: "Attacked scan behind the defence, and its mask",
                side,
                pixels: outlined(
                    &defended.image,
                    &SegmentationResult::mask(&defended.probability),
                    DEFENDED,
                ),
            },
            None => SegmentationPanel {
                title: "Foreground probability, attacked",
                side,
                pixels: probability(&result.adversarial_probability),
            },
        },
    ]
}

/// The first three panels side by side, each `scale` times the model input; returns width,
/// height and RGB pixels.
#[must_use]
pub fn segmentation_figure(
    result: &SegmentationResult,
    scale: usize,
) -> (usize, usize, Vec<[u8; 3]>) {
    let panels = segmentation_panels(result);
    let side = result.original.width;
    let scale = scale.max(1);
    let panel = side * scale;
    let (width, height) = (3 * panel + 2 * GAP, panel);
    let mut pixels = vec![[60u8, 60, 60]; width * height];
    for (p, picture) in panels.iter().take(3).enumerate() {
        for (index, &colour) in picture.pixels.iter().enumerate() {
            let (x, y) = (index % side, index / side);
            for dy in 0..scale {
                let row = (y * scale + dy) * width + p * (panel + GAP) + x * scale;
                pixels[row..row + scale].fill(colour);
            }
        }
    }
    (width, height, pixels)
}
