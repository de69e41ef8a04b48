//! Entry points: a path or bytes in, a [`Scan`] out, whatever the format.

use std::path::Path;

use image::ImageFormat;

use super::{ImagingError, Scan, Window, dicom, raster};

/// Choices made when a scan is read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LoadOptions {
    /// The frame to show (0-based) for multi-frame DICOM.
    pub frame: usize,
    /// A window to use instead of the file's or the data's default.
    pub window: Option<Window>,
}

/// Reads a scan from a file.
///
/// # Errors
/// Any [`ImagingError`]: unreadable file, unknown format, corrupt data, unsupported DICOM
/// transfer syntax, missing pixel data, absurd size, NaNs.
pub fn load_scan(path: &Path, options: &LoadOptions) -> Result<Scan, ImagingError> {
    let display_path = path.display().to_string();
    let size = std::fs::metadata(path)
        .map_err(|source| ImagingError::Io {
            path: display_path.clone(),
            source,
        })?
        .len();
    if size > super::limits::MAX_DECODE_BYTES {
        return Err(ImagingError::FileTooLarge {
            limit: format!("{} MiB", super::limits::MAX_DECODE_BYTES >> 20),
            name: display_path,
        });
    }
    let bytes = std::fs::read(path).map_err(|source| ImagingError::Io {
        path: display_path,
        source,
    })?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    load_scan_bytes(&bytes, &name, options)
}

/// Reads a scan held in memory; `name` is used for messages and metadata.
///
/// # Errors
/// As [`load_scan`].
pub fn load_scan_bytes(
    bytes: &[u8],
    name: &str,
    options: &LoadOptions,
) -> Result<Scan, ImagingError> {
    if bytes.is_empty() {
        return Err(ImagingError::Empty(name.to_string()));
    }
    // A window asked for (by a recipe, a scenario or a caller) is checked as `Window::new`
    // would: a width of NaN, 0 or less would make every displayed pixel NaN.
    if let Some(window) = options.window {
        Window::new(window.center, window.width).map_err(|err| ImagingError::WindowForScan {
            reason: err.to_string(),
            name: name.to_string(),
        })?;
    }
    if looks_like_dicom(bytes, name) {
        return dicom::decode_dicom(bytes, name, options);
    }
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Tiff)) => {
            raster::decode_raster(bytes, format, name, options.window)
        }
        _ => Err(ImagingError::UnknownFormat(name.to_string())),
    }
}

/// DICOM Part 10 files carry "DICM" after a 128-byte preamble; files without the preamble are
/// recognised by their extension.
fn looks_like_dicom(bytes: &[u8], name: &str) -> bool {
    let has_magic = bytes.get(128..132) == Some(b"DICM".as_slice());
    let extension = Path::new(name)
        .extension()
        .map(std::ffi::OsStr::to_ascii_lowercase);
    has_magic || extension.is_some_and(|e| e == "dcm" || e == "dicom")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_unknown_format() {
        let err = load_scan_bytes(
            b"hello, this is not an image",
            "notes.txt",
            &LoadOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, ImagingError::UnknownFormat(_)), "{err}");
        let err = load_scan_bytes(b"", "empty.png", &LoadOptions::default()).unwrap_err();
        assert!(matches!(err, ImagingError::Empty(_)), "{err}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = load_scan(Path::new("/no/such/scan.png"), &LoadOptions::default()).unwrap_err();
        assert!(err.to_string().ends_with("/no/such/scan.png"), "{err}");
    }
}
