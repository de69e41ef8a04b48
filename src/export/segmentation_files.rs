//! The files of one segmentation: the three-panel figure, both predicted masks, the attacked
//! scan, `segmentation.json` (figures only: no paths, no patient data) and the recipe that
//! replays it (file names and hashes only). Written by
//! `advlens segment` and by the window's *Export…*.

use std::path::Path;

use serde::Serialize;

use super::file_set::write_file_set;
use super::png::{ExportError, write_atomic, write_grey8, write_rgb8};
use super::segmentation_figure::segmentation_figure;
use crate::imaging::GreyImage;
use crate::segment::{SegmentationRecipe, SegmentationResult};

/// What `segmentation.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentationReport {
    /// The segmenter.
    pub model: String,
    /// The scan's file name.
    pub scan: String,
    /// The attack in words, if any.
    pub attack: Option<String>,
    /// What the scores compare with.
    pub reference: &'static str,
    /// The largest pixel change, in 1/255 steps.
    pub linf_255: f32,
    /// Dice of the clean prediction against the reference.
    pub clean_dice: f32,
    /// Dice of the attacked prediction against the reference.
    pub adversarial_dice: f32,
    /// Mean IoU of the attacked prediction against the reference.
    pub adversarial_mean_iou: f32,
    /// 95th-percentile Hausdorff distance of the attacked outline to the reference, in pixels
    /// of the model input (none when exactly one mask is empty).
    pub adversarial_hd95_px: Option<f32>,
    /// Dice of the attacked prediction against the clean one.
    pub dice_to_clean: f32,
    /// Foreground pixels of the clean prediction.
    pub clean_foreground_pixels: usize,
    /// Foreground pixels of the attacked prediction.
    pub adversarial_foreground_pixels: usize,
    /// Head circumference of the clean prediction (pixel size known).
    pub clean_hc_mm: Option<f32>,
    /// Head circumference of the attacked prediction.
    pub adversarial_hc_mm: Option<f32>,
    /// The defence in front of the segmenter, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defense: Option<String>,
    /// Whether the attack went through the defence (adaptive) or ignored it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adaptive: Option<bool>,
    /// Dice of the attacked scan's mask behind the defence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defended_dice: Option<f32>,
    /// Head circumference behind the defence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defended_hc_mm: Option<f32>,
}

impl SegmentationReport {
    /// The report of a result.
    #[must_use]
    pub fn of(result: &SegmentationResult, model: &str, scan: &str) -> Self {
        let area = |p: &[f32]| p.iter().filter(|&&v| v > 0.5).count();
        Self {
            model: model.to_string(),
            scan: scan.to_string(),
            attack: result.attack.clone(),
            reference: if result.reference_given {
                "the given mask"
            } else {
                "the clean prediction"
            },
            linf_255: result.linf * 255.0,
            clean_dice: result.clean_dice,
            adversarial_dice: result.adversarial_dice,
            adversarial_mean_iou: result.adversarial_mean_iou,
            adversarial_hd95_px: result.adversarial_hd95,
            dice_to_clean: result.dice_to_clean,
            clean_foreground_pixels: area(&result.clean_probability),
            adversarial_foreground_pixels: area(&result.adversarial_probability),
            clean_hc_mm: result.clean_hc_mm,
            adversarial_hc_mm: result.adversarial_hc_mm,
            defense: result.defended.as_ref().map(|d| d.defense.clone()),
            adaptive: result.defended.as_ref().map(|d| d.adaptive),
            defended_dice: result.defended.as_ref().map(|d| d.dice),
            defended_hc_mm: result.defended.as_ref().and_then(|d| d.hc_mm),
        }
    }
}

/// Writes `segmentation.png`, `mask_clean.png`, `mask_adversarial.png`, `adversarial.png`,
/// `segmentation.json` and, when given, the replayable `segmentation_recipe.json` into
/// `folder` (created if needed), all or nothing: a failure leaves the folder as it was.
///
/// # Errors
/// [`ExportError`] when a file cannot be written.
pub fn write_segmentation_files(
    result: &SegmentationResult,
    report: &SegmentationReport,
    recipe: Option<&SegmentationRecipe>,
    folder: &Path,
) -> Result<(), ExportError> {
    write_file_set(folder, |staging| {
        write_into(result, report, recipe, staging)
    })
}

fn write_into(
    result: &SegmentationResult,
    report: &SegmentationReport,
    recipe: Option<&SegmentationRecipe>,
    folder: &Path,
) -> Result<(), ExportError> {
    let (width, height, figure) = segmentation_figure(result, 3);
    write_rgb8(width, height, &figure, &folder.join("segmentation.png"))?;
    let side = result.original.width;
    let as_image = |probability: &[f32]| GreyImage {
        width: side,
        height: side,
        pixels: SegmentationResult::mask(probability)
            .iter()
            .map(|&m| f32::from(u8::from(m)))
            .collect(),
    };
    write_grey8(
        &as_image(&result.clean_probability),
        &folder.join("mask_clean.png"),
    )?;
    write_grey8(
        &as_image(&result.adversarial_probability),
        &folder.join("mask_adversarial.png"),
    )?;
    write_grey8(&result.adversarial, &folder.join("adversarial.png"))?;
    let json = serde_json::to_string_pretty(report).map_err(|err| ExportError::Write {
        path: folder.join("segmentation.json").display().to_string(),
        reason: err.to_string(),
    })?;
    write_atomic(&folder.join("segmentation.json"), (json + "\n").as_bytes())?;
    if let Some(recipe) = recipe {
        let path = folder.join("segmentation_recipe.json");
        let text = recipe.to_json().map_err(|reason| ExportError::Write {
            path: path.display().to_string(),
            reason,
        })?;
        write_atomic(&path, (text + "\n").as_bytes())?;
    }
    Ok(())
}
