//! PNG, JPEG and TIFF through the `image` crate: 8- and 16-bit grey, RGB and RGBA (and float
//! TIFFs), converted to grey with the ITU-R 601 luma weights that the training data used.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use super::limits::{MAX_DECODE_BYTES, check_size};
use super::{GreyImage, ImagingError, Scan, ScanFormat, ScanMetadata, Window};

/// Luma weights (ITU-R BT.601), as Pillow's `L` conversion uses.
const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

/// Decodes a raster image held in memory.
pub(crate) fn decode_raster(
    bytes: &[u8],
    format: ImageFormat,
    name: &str,
    window: Option<Window>,
) -> Result<Scan, ImagingError> {
    let decode_error = |err: image::ImageError| match err {
        image::ImageError::Limits(_) => ImagingError::DecodeLimit {
            limit: format!("{} MiB of decoded pixels", MAX_DECODE_BYTES >> 20),
            name: name.to_string(),
        },
        image::ImageError::Unsupported(unsupported) => ImagingError::Decode {
            reason: format!(
                "a {format:?} whose samples advlens cannot read (it reads 8- and 16-bit integer grey or colour; float samples are not read): {}",
                super::one_line(&unsupported.to_string())
            ),
            name: name.to_string(),
        },
        other => ImagingError::Decode {
            reason: super::one_line(&other.to_string()),
            name: name.to_string(),
        },
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let (width, height) = reader.into_dimensions().map_err(decode_error)?;
    check_size(u64::from(width), u64::from(height), 1, name)?;
    reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(super::MAX_SIDE);
    limits.max_image_height = Some(super::MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = super::guard::guarded(|| reader.decode())
        .map_err(|panic| ImagingError::Decode {
            reason: format!(
                "the file is damaged (the decoder failed: {})",
                super::one_line(&panic)
            ),
            name: name.to_string(),
        })?
        .map_err(decode_error)?;
    scan_from_image(&image, format, name, window)
}

fn scan_from_image(
    image: &DynamicImage,
    format: ImageFormat,
    name: &str,
    window: Option<Window>,
) -> Result<Scan, ImagingError> {
    let (raw, bits, colour) = grey_levels(image)?;
    let non_finite = raw.count_non_finite();
    if non_finite > 0 {
        return Err(ImagingError::NonFinite {
            count: non_finite,
            name: name.to_string(),
        });
    }
    let default_window = default_raster_window(&raw, bits);
    let metadata = ScanMetadata {
        source_name: name.to_string(),
        format: match format {
            ImageFormat::Png => ScanFormat::Png,
            ImageFormat::Jpeg => ScanFormat::Jpeg,
            _ => ScanFormat::Tiff,
        },
        modality: None,
        width: raw.width,
        height: raw.height,
        pixel_spacing_mm: None,
        frame: 0,
        frame_count: 1,
        bits_stored: bits,
        photometric: colour,
        inverted: false,
        window: default_window,
        file_window: None,
        default_window,
    };
    Ok(Scan::from_raw(
        raw,
        metadata,
        window.unwrap_or(default_window),
    ))
}

/// 8-bit images use the full 0–255 range; 16-bit and float images span their own minimum and
/// maximum, since medical 16-bit files rarely use all 16 bits.
fn default_raster_window(raw: &GreyImage, bits: u16) -> Window {
    if bits == 8 {
        Window::full_range(255.0)
    } else {
        let (min, max) = raw.min_max();
        Window::spanning(f64::from(min), f64::from(max))
    }
}

/// Grey levels in the image's own units, its bit depth and a colour-type name.
fn grey_levels(image: &DynamicImage) -> Result<(GreyImage, u16, String), ImagingError> {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let colour = format!("{:?}", image.color());
    let (pixels, bits): (Vec<f32>, u16) = match image {
        DynamicImage::ImageLuma8(buffer) => {
            (buffer.pixels().map(|p| f32::from(p.0[0])).collect(), 8)
        }
        DynamicImage::ImageLumaA8(buffer) => {
            (buffer.pixels().map(|p| f32::from(p.0[0])).collect(), 8)
        }
        DynamicImage::ImageLuma16(buffer) => {
            (buffer.pixels().map(|p| f32::from(p.0[0])).collect(), 16)
        }
        DynamicImage::ImageLumaA16(buffer) => {
            (buffer.pixels().map(|p| f32::from(p.0[0])).collect(), 16)
        }
        DynamicImage::ImageRgb8(buffer) => (
            buffer.pixels().map(|p| luma(p.0.map(f32::from))).collect(),
            8,
        ),
        DynamicImage::ImageRgba8(buffer) => (
            buffer
                .pixels()
                .map(|p| luma([p.0[0], p.0[1], p.0[2]].map(f32::from)))
                .collect(),
            8,
        ),
        DynamicImage::ImageRgb16(buffer) => (
            buffer.pixels().map(|p| luma(p.0.map(f32::from))).collect(),
            16,
        ),
        DynamicImage::ImageRgba16(buffer) => (
            buffer
                .pixels()
                .map(|p| luma([p.0[0], p.0[1], p.0[2]].map(f32::from)))
                .collect(),
            16,
        ),
        DynamicImage::ImageRgb32F(buffer) => (buffer.pixels().map(|p| luma(p.0)).collect(), 32),
        DynamicImage::ImageRgba32F(buffer) => (
            buffer
                .pixels()
                .map(|p| luma([p.0[0], p.0[1], p.0[2]]))
                .collect(),
            32,
        ),
        other => {
            return Err(ImagingError::UnsupportedLayout(format!(
                "{:?}",
                other.color()
            )));
        }
    };
    let raw = GreyImage::new(width, height, pixels)
        .ok_or_else(|| ImagingError::UnsupportedLayout(colour.clone()))?;
    Ok((raw, bits, colour))
}

fn luma(rgb: [f32; 3]) -> f32 {
    LUMA[0] * rgb[0] + LUMA[1] * rgb[1] + LUMA[2] * rgb[2]
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Luma, Rgb};

    fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut bytes = Cursor::new(Vec::new());
        image.write_to(&mut bytes, format).unwrap();
        bytes.into_inner()
    }

    #[test]
    fn sixteen_bit_png_keeps_its_levels_and_spans_them() {
        let buffer = ImageBuffer::from_fn(4, 2, |x, y| Luma([(1000 + 500 * (x + 4 * y)) as u16]));
        let bytes = encode(&DynamicImage::ImageLuma16(buffer), ImageFormat::Png);
        let scan = decode_raster(&bytes, ImageFormat::Png, "t.png", None).unwrap();
        assert_eq!(scan.metadata.bits_stored, 16);
        assert_eq!(scan.raw.pixels[0], 1000.0);
        assert_eq!(scan.raw.pixels[7], 4500.0);
        assert!(scan.display.pixels[0].abs() < 1e-6);
        assert!((scan.display.pixels[7] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn sixteen_bit_tiff_round_trips() {
        let buffer = ImageBuffer::from_fn(3, 3, |x, y| Luma([(x * 20_000 + y) as u16]));
        let bytes = encode(&DynamicImage::ImageLuma16(buffer), ImageFormat::Tiff);
        let scan = decode_raster(&bytes, ImageFormat::Tiff, "t.tif", None).unwrap();
        assert_eq!(scan.metadata.format, ScanFormat::Tiff);
        assert_eq!(scan.raw.get(2, 1), Some(40_001.0));
    }

    #[test]
    fn rgb_is_converted_with_luma_weights() {
        let buffer = ImageBuffer::from_pixel(2, 2, Rgb([255u8, 0, 0]));
        let bytes = encode(&DynamicImage::ImageRgb8(buffer), ImageFormat::Png);
        let scan = decode_raster(&bytes, ImageFormat::Png, "t.png", None).unwrap();
        assert!((scan.raw.pixels[0] - 0.299 * 255.0).abs() < 1e-3);
        assert!((scan.display.pixels[0] - 0.299).abs() < 1e-3);
    }

    #[test]
    fn truncated_file_is_a_clear_error() {
        let buffer = ImageBuffer::from_pixel(64, 64, Luma([7u8]));
        let bytes = encode(&DynamicImage::ImageLuma8(buffer), ImageFormat::Png);
        let err = decode_raster(&bytes[..bytes.len() / 2], ImageFormat::Png, "cut.png", None)
            .unwrap_err();
        assert!(err.to_string().contains("cut.png"), "{err}");
    }

    #[test]
    fn float_tiff_with_nan_is_refused() {
        let buffer = ImageBuffer::from_fn(2, 2, |x, _| {
            image::Rgb([if x == 0 { f32::NAN } else { 0.5 }; 3])
        });
        let bytes = encode(&DynamicImage::ImageRgb32F(buffer), ImageFormat::Tiff);
        let err = decode_raster(&bytes, ImageFormat::Tiff, "nan.tif", None).unwrap_err();
        assert!(
            matches!(err, ImagingError::NonFinite { count: 2, .. }),
            "{err}"
        );
    }
}
