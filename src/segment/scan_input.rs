//! A scan as a segmenter's input, prepared the way its training set was: padded with black to
//! a centred square (so that nothing is squashed), then resized to the model's side. The size
//! of one input pixel in millimetres follows from the scan's pixel spacing, when it has one.
//! A true mask is read the same way; a side-car JSON may state the pixel size of a PNG.

use burn::tensor::{Device, Tensor};

use std::path::Path;

use super::SegmentationError;
use crate::imaging::{GreyImage, LoadOptions, Scan, load_scan, resize_grey, tensor_from_image};

/// `image` padded with zeros to a centred square of side max(width, height).
#[must_use]
pub fn pad_to_square(image: &GreyImage) -> GreyImage {
    let side = image.width.max(image.height);
    let (left, top) = ((side - image.width) / 2, (side - image.height) / 2);
    let mut pixels = vec![0.0f32; side * side];
    for y in 0..image.height {
        let row = &image.pixels[y * image.width..(y + 1) * image.width];
        pixels[(y + top) * side + left..(y + top) * side + left + image.width].copy_from_slice(row);
    }
    GreyImage {
        width: side,
        height: side,
        pixels,
    }
}

/// The segmenter input `[1, 1, size, size]` for a scan and, when the scan states an isotropic
/// pixel spacing, the side of one input pixel in mm.
#[must_use]
pub fn segmentation_input(scan: &Scan, size: usize, device: &Device) -> (Tensor<4>, Option<f32>) {
    let square = pad_to_square(&scan.display);
    let input = tensor_from_image(&resize_grey(&square, size, size), device);
    let pixel_mm = scan.metadata.pixel_spacing_mm.and_then(|[row, column]| {
        let isotropic = row > 0.0 && (row - column).abs() <= 0.01 * row;
        isotropic.then(|| (row * square.width as f64 / size.max(1) as f64) as f32)
    });
    (input, pixel_mm)
}

/// A scan read and prepared for a segmenter.
#[derive(Debug, Clone)]
pub struct PreparedScan {
    /// Its file name.
    pub name: String,
    /// The model input `[1, 1, size, size]`.
    pub input: Tensor<4>,
    /// The side of one input pixel in mm, if known.
    pub pixel_mm: Option<f32>,
    /// The true mask at the input size, if one was given.
    pub reference: Option<Vec<bool>>,
}

/// Reads `scan` (and its true mask, if given) for a segmenter of input side `size`. The pixel
/// size is `pixel_size_mm` if given, else the side-car's, else the file's own (DICOM).
///
/// # Errors
/// [`SegmentationError::InvalidParameter`] naming the file that cannot be read.
pub fn prepare_scan(
    scan: &Path,
    mask: Option<&Path>,
    pixel_size_mm: Option<f32>,
    size: usize,
    device: &Device,
) -> Result<PreparedScan, SegmentationError> {
    let loaded = load_scan(scan, &LoadOptions::default())
        .map_err(|err| SegmentationError::InvalidParameter(err.to_string()))?;
    let (input, file_pixel_mm) = segmentation_input(&loaded, size, device);
    let side = loaded.display.width.max(loaded.display.height) as f32;
    let pixel_mm = pixel_size_mm
        .or_else(|| sidecar_pixel_size(scan))
        .map(|mm| mm * side / size.max(1) as f32)
        .or(file_pixel_mm);
    Ok(PreparedScan {
        name: loaded.metadata.source_name.clone(),
        input,
        pixel_mm,
        reference: mask.map(|path| read_mask(path, size)).transpose()?,
    })
}

/// Reads a true-mask image prepared as its scan is (padded, resized), foreground where it is
/// brighter than half its range.
///
/// # Errors
/// [`SegmentationError::InvalidParameter`] for an unreadable or blank mask.
pub fn read_mask(path: &Path, size: usize) -> Result<Vec<bool>, SegmentationError> {
    let scan = load_scan(path, &LoadOptions::default())
        .map_err(|err| SegmentationError::InvalidParameter(format!("reading the mask: {err}")))?;
    let resized = resize_grey(&pad_to_square(&scan.raw), size, size);
    let (low, high) = resized.min_max();
    if high <= low {
        return Err(SegmentationError::InvalidParameter(format!(
            "the mask {} is blank",
            path.display()
        )));
    }
    Ok(resized
        .pixels
        .iter()
        .map(|&v| v > 0.5 * (low + high))
        .collect())
}

/// The pixel size a scan's side-car file states: `<stem>.json` beside it with
/// `{"pixel_size_mm": …}` (the bundled ultrasound samples have one; PNG has no such field).
#[must_use]
pub fn sidecar_pixel_size(scan: &Path) -> Option<f32> {
    let text = std::fs::read_to_string(scan.with_extension("json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let mm = value.get("pixel_size_mm")?.as_f64()? as f32;
    (mm.is_finite() && mm > 0.0 && mm < 100.0).then_some(mm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_centres_the_image_in_black() {
        let image = GreyImage::new(4, 2, vec![1.0; 8]).unwrap();
        let square = pad_to_square(&image);
        assert_eq!((square.width, square.height), (4, 4));
        assert_eq!(square.pixels.iter().sum::<f32>(), 8.0);
        assert_eq!(&square.pixels[0..4], &[0.0; 4]);
        assert_eq!(&square.pixels[4..12], &[1.0; 8]);
    }
}
