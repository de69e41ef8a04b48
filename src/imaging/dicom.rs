//! DICOM through dicom-object / dicom-pixeldata: uncompressed, deflate, RLE and JPEG
//! (baseline and lossless) transfer syntaxes; rescale slope/intercept applied here,
//! MONOCHROME1 inverted here (the decoder does not), VOI window from the file or an override,
//! multi-frame with a chosen frame. No patient attribute is ever read.

use std::io::Cursor;

use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, OpenFileOptions, Tag};
use dicom_pixeldata::{
    ConvertOptions, DecodedPixelData, ModalityLutOption, PixelDecoder, VoiLutOption,
};

use super::limits::check_size;
use super::{GreyImage, ImagingError, LoadOptions, Scan, ScanFormat, ScanMetadata, Window};

/// Transfer syntaxes we decode, with their names.
const SUPPORTED_SYNTAXES: [(&str, &str); 8] = [
    ("1.2.840.10008.1.2", "Implicit VR Little Endian"),
    ("1.2.840.10008.1.2.1", "Explicit VR Little Endian"),
    ("1.2.840.10008.1.2.2", "Explicit VR Big Endian"),
    (
        "1.2.840.10008.1.2.1.99",
        "Deflated Explicit VR Little Endian",
    ),
    ("1.2.840.10008.1.2.5", "RLE Lossless"),
    ("1.2.840.10008.1.2.4.50", "JPEG Baseline"),
    ("1.2.840.10008.1.2.4.57", "JPEG Lossless"),
    ("1.2.840.10008.1.2.4.70", "JPEG Lossless SV1"),
];

/// Names of well-known syntaxes we refuse, so the message says what the file is.
const KNOWN_UNSUPPORTED: [(&str, &str); 10] = [
    ("1.2.840.10008.1.2.4.51", "JPEG Extended (12-bit)"),
    ("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless"),
    ("1.2.840.10008.1.2.4.81", "JPEG-LS Near-Lossless"),
    ("1.2.840.10008.1.2.4.90", "JPEG 2000 Lossless"),
    ("1.2.840.10008.1.2.4.91", "JPEG 2000"),
    ("1.2.840.10008.1.2.4.201", "HTJ2K Lossless"),
    ("1.2.840.10008.1.2.4.202", "HTJ2K Lossless RPCL"),
    ("1.2.840.10008.1.2.4.203", "HTJ2K"),
    ("1.2.840.10008.1.2.4.100", "MPEG2 video"),
    ("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 video"),
];

/// Decodes a DICOM file held in memory.
pub(crate) fn decode_dicom(
    bytes: &[u8],
    name: &str,
    options: &LoadOptions,
) -> Result<Scan, ImagingError> {
    let dicom_error = |reason: String| ImagingError::Dicom {
        reason: super::one_line(&reason),
        name: name.to_string(),
    };
    let body = if bytes.get(128..132) == Some(b"DICM".as_slice()) {
        &bytes[128..]
    } else {
        bytes
    };
    if let Some((tag, length)) = super::dicom_lengths::length_past_end(body) {
        return Err(dicom_error(format!(
            "element {tag} declares {length} bytes, more than the file holds (the file is damaged)"
        )));
    }
    let object = OpenFileOptions::new()
        .from_reader(Cursor::new(body))
        .map_err(|err| dicom_error(err.to_string()))?;
    check_transfer_syntax(&object, name)?;
    if object
        .element_opt(tags::PIXEL_DATA)
        .ok()
        .flatten()
        .is_none()
    {
        return Err(ImagingError::NoPixelData {
            sop_class: trim_uid(object.meta().media_storage_sop_class_uid()),
            name: name.to_string(),
        });
    }
    let rows = int_attribute(&object, tags::ROWS).unwrap_or(0);
    let columns = int_attribute(&object, tags::COLUMNS).unwrap_or(0);
    let frames = int_attribute(&object, tags::NUMBER_OF_FRAMES)
        .unwrap_or(1)
        .max(1);
    check_size(columns, rows, frames, name)?;
    if options.frame as u64 >= frames {
        return Err(ImagingError::FrameOutOfRange {
            frame: options.frame,
            count: frames as usize,
            name: name.to_string(),
        });
    }
    let decoded = super::guard::guarded(|| object.decode_pixel_data())
        .map_err(|panic| dicom_error(format!("its pixel data is damaged ({panic})")))?
        .map_err(|err| dicom_error(err.to_string()))?;
    let raw = rescaled_frame(&decoded, options.frame, name)?;
    let non_finite = raw.count_non_finite();
    if non_finite > 0 {
        return Err(ImagingError::NonFinite {
            count: non_finite,
            name: name.to_string(),
        });
    }
    let metadata = metadata_for(&object, &decoded, &raw, options.frame, name);
    let window = options.window.unwrap_or(metadata.default_window);
    Ok(Scan::from_raw(raw, metadata, window))
}

fn check_transfer_syntax(object: &DefaultDicomObject, name: &str) -> Result<(), ImagingError> {
    let uid = trim_uid(object.meta().transfer_syntax());
    if SUPPORTED_SYNTAXES.iter().any(|(known, _)| *known == uid) {
        return Ok(());
    }
    let syntax = KNOWN_UNSUPPORTED
        .iter()
        .find(|(known, _)| *known == uid)
        .map_or("unknown", |(_, syntax_name)| syntax_name)
        .to_string();
    Err(ImagingError::UnsupportedTransferSyntax {
        syntax,
        uid,
        name: name.to_string(),
    })
}

/// Stored values of one frame with the modality rescale applied, converted to grey.
fn rescaled_frame(
    decoded: &DecodedPixelData<'_>,
    frame: usize,
    name: &str,
) -> Result<GreyImage, ImagingError> {
    let options = ConvertOptions::new()
        .with_modality_lut(ModalityLutOption::None)
        .with_voi_lut(VoiLutOption::Identity);
    let stored: Vec<f32> = decoded
        .to_vec_frame_with_options(frame as u32, &options)
        .map_err(|err| ImagingError::Dicom {
            reason: super::one_line(&err.to_string()),
            name: name.to_string(),
        })?;
    let samples = usize::from(decoded.samples_per_pixel().max(1));
    let photometric = decoded.photometric_interpretation().as_str().to_string();
    let grey: Vec<f32> = if samples == 1 {
        stored
    } else if photometric.starts_with("YBR") {
        // Y is the luma already.
        stored.chunks_exact(samples).map(|px| px[0]).collect()
    } else {
        stored
            .chunks_exact(samples)
            .map(|px| 0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2])
            .collect()
    };
    let (slope, intercept) = rescale_for(decoded, frame, samples);
    let pixels = grey
        .into_iter()
        .map(|v| (f64::from(v) * slope + intercept) as f32)
        .collect();
    GreyImage::new(decoded.columns() as usize, decoded.rows() as usize, pixels).ok_or_else(|| {
        ImagingError::UnsupportedLayout(format!("{samples} samples per pixel, {photometric}"))
    })
}

/// Rescale slope and intercept (identity for colour images, which have none).
fn rescale_for(decoded: &DecodedPixelData<'_>, frame: usize, samples: usize) -> (f64, f64) {
    if samples != 1 {
        return (1.0, 0.0);
    }
    match decoded.rescale() {
        Ok(list) if !list.is_empty() => {
            let rescale = list.get(frame).unwrap_or(&list[0]);
            (rescale.slope, rescale.intercept)
        }
        _ => (1.0, 0.0),
    }
}

fn metadata_for(
    object: &DefaultDicomObject,
    decoded: &DecodedPixelData<'_>,
    raw: &GreyImage,
    frame: usize,
    name: &str,
) -> ScanMetadata {
    let photometric = decoded.photometric_interpretation().as_str().to_string();
    let file_window = match decoded.window() {
        Ok(Some(list)) if !list.is_empty() => {
            let level = list.get(frame).unwrap_or(&list[0]);
            Window::new(level.center, level.width).ok()
        }
        _ => None,
    };
    let (min, max) = raw.min_max();
    let default_window =
        file_window.unwrap_or_else(|| Window::spanning(f64::from(min), f64::from(max)));
    ScanMetadata {
        source_name: name.to_string(),
        format: ScanFormat::Dicom,
        modality: string_attribute(object, tags::MODALITY),
        width: raw.width,
        height: raw.height,
        pixel_spacing_mm: spacing(object),
        frame,
        frame_count: decoded.number_of_frames() as usize,
        bits_stored: decoded.bits_stored(),
        inverted: photometric == "MONOCHROME1",
        photometric,
        window: default_window,
        file_window,
        default_window,
    }
}

fn spacing(object: &DefaultDicomObject) -> Option<[f64; 2]> {
    [tags::PIXEL_SPACING, tags::IMAGER_PIXEL_SPACING]
        .into_iter()
        .find_map(|tag| {
            let values = object.element_opt(tag).ok()??.to_multi_float64().ok()?;
            (values.len() >= 2 && values[0] > 0.0 && values[1] > 0.0)
                .then(|| [values[0], values[1]])
        })
}

fn int_attribute(object: &DefaultDicomObject, tag: Tag) -> Option<u64> {
    object.element_opt(tag).ok()??.to_int::<u64>().ok()
}

fn string_attribute(object: &DefaultDicomObject, tag: Tag) -> Option<String> {
    let value = object.element_opt(tag).ok()??.to_str().ok()?;
    let trimmed = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn trim_uid(uid: &str) -> String {
    uid.trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_string()
}
