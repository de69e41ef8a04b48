//! The image files of one result, as the CLI and the window's *Export…* both write them:
//! original and adversarial (8-bit, and lossless 16-bit), and the perturbation and Grad-CAM
//! views colour-mapped exactly as the window shows them.

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
    Ok(files)
}
