//! PNG writing, atomic: each file is written beside its destination and renamed into place,
//! so a crash never leaves half a file.

use std::path::Path;

use image::{ImageBuffer, ImageFormat, Luma, Rgb};

use crate::imaging::GreyImage;

/// Errors from writing files.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Encoding or writing failed.
    #[error("could not write ({reason}): {path}")]
    Write {
        /// Why.
        reason: String,
        /// Where.
        path: String,
    },
}

impl ExportError {
    /// The same error with a path under `from` renamed to the same place under `to` (a file
    /// written in a staging folder is reported where it was going).
    #[must_use]
    pub fn relocated(self, from: &Path, to: &Path) -> Self {
        match self {
            Self::Write { reason, path } => {
                let path = Path::new(&path)
                    .strip_prefix(from)
                    .map_or(path.clone(), |rest| to.join(rest).display().to_string());
                Self::Write { reason, path }
            }
        }
    }
}

fn write_error(path: &Path, reason: &impl ToString) -> ExportError {
    ExportError::Write {
        reason: reason.to_string(),
        path: path.display().to_string(),
    }
}

/// Writes bytes to `path` through a temporary file and a rename.
///
/// # Errors
/// [`ExportError::Write`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    let file_name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{file_name}.partial"));
    let written =
        std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    written.map_err(|err| {
        // A full disk leaves the temporary file half written: it goes too.
        let _removed = std::fs::remove_file(&temporary);
        write_error(path, &err)
    })
}

fn encode_png<P>(
    buffer: &ImageBuffer<P, Vec<P::Subpixel>>,
    path: &Path,
) -> Result<Vec<u8>, ExportError>
where
    [P::Subpixel]: image::EncodableLayout,
    P: image::PixelWithColorType,
{
    let mut bytes = std::io::Cursor::new(Vec::new());
    buffer
        .write_to(&mut bytes, ImageFormat::Png)
        .map_err(|err| write_error(path, &err))?;
    Ok(bytes.into_inner())
}

/// An image in [0, 1] as an 8-bit grey PNG (values rounded to the nearest level).
///
/// # Errors
/// [`ExportError::Write`].
pub fn write_grey8(image: &GreyImage, path: &Path) -> Result<(), ExportError> {
    let pixels = image
        .pixels
        .iter()
        .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect();
    let buffer =
        ImageBuffer::<Luma<u8>, Vec<u8>>::from_raw(image.width as u32, image.height as u32, pixels)
            .ok_or_else(|| write_error(path, &"size mismatch"))?;
    write_atomic(path, &encode_png(&buffer, path)?)
}

/// An image in [0, 1] as a 16-bit grey PNG (lossless to 1/65535).
///
/// # Errors
/// [`ExportError::Write`].
pub fn write_grey16(image: &GreyImage, path: &Path) -> Result<(), ExportError> {
    let pixels = image
        .pixels
        .iter()
        .map(|v| (v.clamp(0.0, 1.0) * 65535.0).round() as u16)
        .collect();
    let buffer = ImageBuffer::<Luma<u16>, Vec<u16>>::from_raw(
        image.width as u32,
        image.height as u32,
        pixels,
    )
    .ok_or_else(|| write_error(path, &"size mismatch"))?;
    write_atomic(path, &encode_png(&buffer, path)?)
}

/// RGB pixels (row-major) as an 8-bit PNG.
///
/// # Errors
/// [`ExportError::Write`].
pub fn write_rgb8(
    width: usize,
    height: usize,
    pixels: &[[u8; 3]],
    path: &Path,
) -> Result<(), ExportError> {
    let flat: Vec<u8> = pixels.iter().flatten().copied().collect();
    let buffer = ImageBuffer::<Rgb<u8>, Vec<u8>>::from_raw(width as u32, height as u32, flat)
        .ok_or_else(|| write_error(path, &"size mismatch"))?;
    write_atomic(path, &encode_png(&buffer, path)?)
}

/// RGB pixels (row-major, 3 bytes each) as PNG bytes in memory (for pages that inline their
/// images).
///
/// # Errors
/// [`ExportError::Write`] when the size does not match the pixels.
pub fn rgb_png_bytes(width: u32, height: u32, rgb: Vec<u8>) -> Result<Vec<u8>, ExportError> {
    let place = Path::new("an inline image");
    let buffer = ImageBuffer::<Rgb<u8>, Vec<u8>>::from_raw(width, height, rgb)
        .ok_or_else(|| write_error(place, &"size mismatch"))?;
    encode_png(&buffer, place)
}

/// 16-bit grey levels (row-major) as 16-bit grey PNG bytes in memory.
///
/// # Errors
/// [`ExportError::Write`] when the size does not match the pixels.
pub fn grey16_png_bytes(width: u32, height: u32, grey: Vec<u16>) -> Result<Vec<u8>, ExportError> {
    let place = Path::new("an inline image");
    let buffer = ImageBuffer::<Luma<u16>, Vec<u16>>::from_raw(width, height, grey)
        .ok_or_else(|| write_error(place, &"size mismatch"))?;
    encode_png(&buffer, place)
}
