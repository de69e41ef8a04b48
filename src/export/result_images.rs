//! The image files of one result, as the CLI and the window's *Export…* both write them:
//! original and adversarial (8-bit, and lossless 16-bit), the perturbation and explanation
//! views colour-mapped exactly as the window shows them, both explanation maps as raw 16-bit
//! greys, and the sanity check's maps side by side when it ran.

use std::path::Path;

use super::{ExportError, ViewKind, shade, write_grey8, write_grey16, write_rgb8};
use crate::pipeline::AttackResult;

/// Writes the images into `folder` (created if needed); returns the file names written.
///
/// # Errors
/// [`ExportError::Write`] naming the file that failed.
pub fn write_result_images(
    result: &AttackResult,
    folder: &Path,
    opacity: f32,
) -> Result<Vec<String>, ExportError> {
    std::fs::create_dir_all(folder).map_err(|err| ExportError::Write {
        reason: err.to_string(),
        path: folder.display().to_string(),
    })?;
    write_grey8(&result.original, &folder.join("original.png"))?;
    write_grey8(&result.adversarial, &folder.join("adversarial.png"))?;
    write_grey16(&result.adversarial, &folder.join("adversarial_16bit.png"))?;
    let mut files = vec![
        "original.png".to_string(),
        "adversarial.png".to_string(),
        "adversarial_16bit.png".to_string(),
    ];
    for (kind, name) in [
        (ViewKind::Perturbation, "perturbation.png"),
        (ViewKind::CamClean, "explanation_clean.png"),
        (ViewKind::CamAdversarial, "explanation_adversarial.png"),
    ] {
        let (base, extra) = kind.images(result);
        let mode = kind.mode(result, opacity);
        let pixels: Vec<[u8; 3]> = base
            .pixels
            .iter()
            .zip(&extra.pixels)
            .map(|(&g, &e)| shade(mode, g, e))
            .collect();
        write_rgb8(base.width, base.height, &pixels, &folder.join(name))?;
        files.push(name.to_string());
    }
    for (map, name) in [
        (&result.explanation_clean, "explanation_clean_16bit.png"),
        (
            &result.explanation_adversarial,
            "explanation_adversarial_16bit.png",
        ),
    ] {
        write_grey16(map, &folder.join(name))?;
        files.push(name.to_string());
    }
    if let Some(sanity) = &result.sanity {
        write_sanity_strip(result, sanity, &folder.join("sanity.png"))?;
        files.push("sanity.png".to_string());
    }
    Ok(files)
}

/// The clean map, then the map after each randomisation step, in viridis, 4 px apart.
fn write_sanity_strip(
    result: &AttackResult,
    sanity: &crate::explain::SanityCheck,
    path: &Path,
) -> Result<(), ExportError> {
    const GAP: usize = 4;
    let (width, height) = (
        result.explanation_clean.width,
        result.explanation_clean.height,
    );
    let maps: Vec<&[f32]> = std::iter::once(result.explanation_clean.pixels.as_slice())
        .chain(sanity.stages.iter().map(|stage| stage.map.as_slice()))
        .collect();
    let strip_width = maps.len() * width + (maps.len() - 1) * GAP;
    let mut pixels = vec![[255u8; 3]; strip_width * height];
    for (index, map) in maps.iter().enumerate() {
        let left = index * (width + GAP);
        for y in 0..height {
            for x in 0..width {
                let value = map.get(y * width + x).copied().unwrap_or(0.0);
                pixels[y * strip_width + left + x] = super::colormap::viridis(value);
            }
        }
    }
    write_rgb8(strip_width, height, &pixels, path)
}
