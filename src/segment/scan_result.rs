//! Segmenting one scan and, optionally, attacking its mask: the clean and adversarial masks,
//! their agreement with a reference (a sonographer's mask when there is one, else the clean
//! prediction), the head circumference each implies, and the attacked mask behind a test-time
//! defence (an attack unaware of it, or the adaptive one through it). The window and `advlens segment`
//! both call this.

use burn::tensor::Tensor;

use super::metrics::{dice, fit_ellipse, hausdorff_95, mean_iou};
use super::{LoadedSegmenter, SegmentationAttack, SegmentationError, host_values};
use crate::attacks::DefenseGradientPath;
use crate::defenses::{DefenseConfig, DefenseKind, DefensePath, apply_defense};
use crate::imaging::GreyImage;

/// What segmenting (and attacking) one scan gave.
#[derive(Debug, Clone)]
pub struct SegmentationResult {
    /// The clean model input, in [0, 1].
    pub original: GreyImage,
    /// The attacked input (the original when there was no attack).
    pub adversarial: GreyImage,
    /// The foreground probability of each pixel of the clean input.
    pub clean_probability: Vec<f32>,
    /// The same for the attacked input.
    pub adversarial_probability: Vec<f32>,
    /// The mask the scores compare with (the given one, or the clean prediction).
    pub reference: Vec<bool>,
    /// Whether `reference` is a given mask (true) or the clean prediction (false).
    pub reference_given: bool,
    /// Dice of the clean prediction against the reference.
    pub clean_dice: f32,
    /// Dice of the adversarial prediction against the reference.
    pub adversarial_dice: f32,
    /// Mean IoU of the adversarial prediction against the reference.
    pub adversarial_mean_iou: f32,
    /// 95th-percentile Hausdorff distance (pixels) of the adversarial prediction's boundary to
    /// the reference's; `None` when exactly one of them is empty.
    pub adversarial_hd95: Option<f32>,
    /// Dice of the adversarial prediction against the clean prediction (how much the attack
    /// changed the mask, whatever the reference).
    pub dice_to_clean: f32,
    /// Head circumference of the clean prediction in mm (pixel size known).
    pub clean_hc_mm: Option<f32>,
    /// Head circumference of the adversarial prediction in mm.
    pub adversarial_hc_mm: Option<f32>,
    /// The largest change of a pixel, L∞.
    pub linf: f32,
    /// The attack in words, if any.
    pub attack: Option<String>,
    /// The attacked scan's mask behind a test-time defence, if one was chosen.
    pub defended: Option<DefendedMask>,
    /// What the clean mask depends on: |∂(Σ of the foreground probability over the predicted
    /// mask)/∂x| per pixel, scaled to [0, 1] by its 99th percentile (and clipped).
    pub saliency_clean: Vec<f32>,
    /// The same for the attacked scan and its mask.
    pub saliency_adversarial: Vec<f32>,
}

/// |∂(Σ_{p > ½} p)/∂x| per pixel for one image (the foreground evidence of the predicted mask),
/// scaled to [0, 1] by its 99th percentile and clipped (all zero without a predicted
/// foreground).
///
/// # Errors
/// [`SegmentationError`] if the gradient cannot be computed or read back.
pub fn foreground_saliency(
    model: &crate::models::UNet,
    input: &Tensor<4>,
) -> Result<Vec<f32>, SegmentationError> {
    let leaf = input.clone().without_autodiff().autodiff().require_grad();
    let probability = burn::tensor::activation::sigmoid(model.forward(leaf.clone()));
    let inside = probability.clone().greater_elem(0.5).float().detach();
    let grads = probability.mul(inside).sum().backward();
    crate::attacks::count_backward_pass();
    let gradient = leaf.grad(&grads).ok_or(SegmentationError::NoGradient)?;
    let values: Vec<f32> = host_values(gradient)?.iter().map(|g| g.abs()).collect();
    // Gradients are heavy-tailed: scaling by the 99th percentile (and clipping) shows where
    // the evidence is, where scaling by the largest value shows a few bright pixels.
    let mut sorted = values.clone();
    sorted.sort_by(f32::total_cmp);
    let scale = sorted
        .get(sorted.len().saturating_sub(1) * 99 / 100)
        .copied()
        .filter(|p| *p > 0.0)
        .or_else(|| sorted.last().copied().filter(|m| *m > 0.0));
    Ok(match scale {
        Some(scale) => values.iter().map(|v| (v / scale).min(1.0)).collect(),
        None => values,
    })
}

/// A test-time defence in front of the segmenter, and whether the attack knows of it.
#[derive(Debug, Clone, Copy)]
pub struct SegmentationDefense<'a> {
    /// The defence.
    pub config: &'a DefenseConfig,
    /// The attack goes through the defence (adaptive) rather than ignoring it.
    pub adaptive: bool,
}

/// The attacked scan's mask when a test-time defence cleans the scan first.
#[derive(Debug, Clone)]
pub struct DefendedMask {
    /// The defence in words.
    pub defense: String,
    /// Whether the attack went through the defence (adaptive) or ignored it.
    pub adaptive: bool,
    /// The defended (cleaned) attacked scan.
    pub image: GreyImage,
    /// The foreground probability of each pixel behind the defence.
    pub probability: Vec<f32>,
    /// Dice against the reference.
    pub dice: f32,
    /// Head circumference in mm (pixel size known and a head found).
    pub hc_mm: Option<f32>,
}

impl SegmentationResult {
    /// A probability map thresholded at ½.
    #[must_use]
    pub fn mask(probability: &[f32]) -> Vec<bool> {
        probability.iter().map(|&p| p > 0.5).collect()
    }
}

/// The attacked input: `attack` against `reference` (`s × s`), through the defence when the
/// attack knows of it.
fn attacked_input(
    model: &LoadedSegmenter,
    input: &Tensor<4>,
    reference: &[bool],
    attack: &SegmentationAttack,
    defense: Option<SegmentationDefense<'_>>,
) -> Result<Tensor<4>, SegmentationError> {
    let size = model.card.spec.input_size;
    let masks: Vec<f32> = reference.iter().map(|&m| f32::from(u8::from(m))).collect();
    let masks = Tensor::from_data(
        burn::tensor::TensorData::new(masks, [1, 1, size, size]),
        &input.device(),
    );
    let path = defense
        .filter(|d| d.adaptive)
        .map(|d| DefensePath::new(d.config.clone()));
    let through = path.as_ref().map(|p| p as &dyn DefenseGradientPath);
    attack.run_through(&model.differentiable, input, &masks, through)
}

/// Segments `input` (`[1, 1, s, s]`, s the model's input size) and, with an attack, its
/// adversarial version. `reference` is the true mask if known (`s × s`, true = foreground);
/// `pixel_size_mm` the side of one input pixel.
///
/// # Errors
/// [`SegmentationError`] for a wrong input size or a failed attack.
pub fn segment_scan(
    model: &LoadedSegmenter,
    input: &Tensor<4>,
    reference: Option<Vec<bool>>,
    pixel_size_mm: Option<f32>,
    attack: Option<&SegmentationAttack>,
    defense: Option<SegmentationDefense<'_>>,
) -> Result<SegmentationResult, SegmentationError> {
    if let Some(defense) = defense.map(|d| d.config)
        && defense.kind.is_randomized()
        && !matches!(defense.kind, DefenseKind::PixelDeflection)
    {
        return Err(SegmentationError::InvalidParameter(format!(
            "{} votes over many noisy copies of the scan, which is defined for classifiers only; choose a filter, JPEG, bit depth, a denoiser or pixel deflection",
            defense.describe()
        )));
    }
    let size = model.card.spec.input_size;
    let dims = input.dims();
    if dims != [1, 1, size, size] {
        return Err(SegmentationError::InvalidParameter(format!(
            "the segmenter takes one {size}×{size} image, got {dims:?}"
        )));
    }
    if reference.as_ref().is_some_and(|r| r.len() != size * size) {
        return Err(SegmentationError::InvalidParameter(format!(
            "the reference mask must be {size}×{size}"
        )));
    }
    let probability = |x: Tensor<4>| -> Result<Vec<f32>, SegmentationError> {
        host_values(burn::tensor::activation::sigmoid(
            model.inference.forward(x),
        ))
    };
    let clean_probability = probability(input.clone())?;
    let clean_mask = SegmentationResult::mask(&clean_probability);
    let reference_given = reference.is_some();
    let reference = reference.unwrap_or_else(|| clean_mask.clone());
    let adversarial = match attack {
        Some(attack) => attacked_input(model, input, &reference, attack, defense)?,
        None => input.clone(),
    };
    let adversarial_probability = probability(adversarial.clone())?;
    let defended = match defense {
        Some(SegmentationDefense { config, adaptive }) => {
            let cleaned = apply_defense(&adversarial, config)
                .map_err(|err| SegmentationError::InvalidParameter(err.to_string()))?;
            let probability = probability(cleaned.clone())?;
            let mask = SegmentationResult::mask(&probability);
            Some(DefendedMask {
                defense: config.describe(),
                adaptive,
                image: GreyImage::new(size, size, host_values(cleaned)?).ok_or_else(|| {
                    SegmentationError::Other("an image of the wrong size".to_string())
                })?,
                dice: dice(&mask, &reference),
                hc_mm: pixel_size_mm.and_then(|mm| {
                    fit_ellipse(&mask, [size, size]).map(|e| e.circumference() * mm)
                }),
                probability,
            })
        }
        None => None,
    };
    let adversarial_mask = SegmentationResult::mask(&adversarial_probability);
    let original = host_values(input.clone())?;
    let attacked = host_values(adversarial.clone())?;
    let linf = original
        .iter()
        .zip(&attacked)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    let hc = |mask: &[bool]| {
        pixel_size_mm.and_then(|mm| fit_ellipse(mask, [size, size]).map(|e| e.circumference() * mm))
    };
    let image = |pixels: Vec<f32>| {
        GreyImage::new(size, size, pixels)
            .ok_or_else(|| SegmentationError::Other("an image of the wrong size".to_string()))
    };
    Ok(SegmentationResult {
        clean_dice: dice(&clean_mask, &reference),
        adversarial_dice: dice(&adversarial_mask, &reference),
        adversarial_mean_iou: mean_iou(&adversarial_mask, &reference),
        adversarial_hd95: hausdorff_95(&adversarial_mask, &reference, [size, size]),
        dice_to_clean: dice(&adversarial_mask, &clean_mask),
        clean_hc_mm: hc(&clean_mask),
        adversarial_hc_mm: hc(&adversarial_mask),
        original: image(original)?,
        adversarial: image(attacked)?,
        clean_probability,
        adversarial_probability,
        reference,
        reference_given,
        linf,
        attack: attack.map(SegmentationAttack::describe),
        defended,
        saliency_clean: foreground_saliency(&model.differentiable, input)?,
        saliency_adversarial: foreground_saliency(&model.differentiable, &adversarial)?,
    })
}
