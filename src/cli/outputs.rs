//! Writing the files of an attack run.

use std::path::Path;

use anyhow::Context;

use advlens::export::{diverging, gradcam_overlay, write_grey8, write_grey16, write_rgb8};
use advlens::pipeline::AttackResult;

/// Opacity of the Grad-CAM overlay in exported images.
const OVERLAY_OPACITY: f32 = 0.6;

/// Writes every image of a result into `dir`; returns the file names.
pub fn write_result_images(result: &AttackResult, dir: &Path) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut files = Vec::new();
    let mut record = |name: &str| {
        files.push(name.to_string());
        dir.join(name)
    };
    write_grey8(&result.original, &record("original.png"))?;
    write_grey8(&result.adversarial, &record("adversarial.png"))?;
    write_grey16(&result.adversarial, &record("adversarial_16bit.png"))?;
    let (width, height) = (result.perturbation.width, result.perturbation.height);
    let scale = result.metrics.linf.max(1e-12) as f32;
    let perturbation: Vec<[u8; 3]> = result
        .perturbation
        .pixels
        .iter()
        .map(|&v| diverging(v, scale))
        .collect();
    write_rgb8(width, height, &perturbation, &record("perturbation.png"))?;
    let overlay = |grey: &[f32], cam: &[f32]| -> Vec<[u8; 3]> {
        grey.iter()
            .zip(cam)
            .map(|(&g, &c)| gradcam_overlay(g, c, OVERLAY_OPACITY))
            .collect()
    };
    write_rgb8(
        width,
        height,
        &overlay(&result.original.pixels, &result.gradcam_clean.pixels),
        &record("gradcam_clean.png"),
    )?;
    write_rgb8(
        width,
        height,
        &overlay(
            &result.adversarial.pixels,
            &result.gradcam_adversarial.pixels,
        ),
        &record("gradcam_adversarial.png"),
    )?;
    Ok(files)
}
