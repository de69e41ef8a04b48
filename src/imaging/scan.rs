//! The scan value: stored values, windowed display image and metadata.

use serde::{Deserialize, Serialize};

use super::{GreyImage, Window};

/// The file format a scan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanFormat {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// TIFF.
    Tiff,
    /// DICOM.
    Dicom,
}

/// What we keep about a scan. Never patient identifiers: only what the views and the
/// exports need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanMetadata {
    /// The file name (without its folder).
    pub source_name: String,
    /// The format.
    pub format: ScanFormat,
    /// DICOM modality (CT, MR, CR, DX, US…) or `None` for raster images.
    pub modality: Option<String>,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Row and column spacing in millimetres, when the file says.
    pub pixel_spacing_mm: Option<[f64; 2]>,
    /// The frame shown (0-based).
    pub frame: usize,
    /// How many frames the file holds.
    pub frame_count: usize,
    /// Bits per stored sample.
    pub bits_stored: u16,
    /// Photometric interpretation (MONOCHROME1/2, RGB…), or the raster colour type.
    pub photometric: String,
    /// Whether the display is inverted (MONOCHROME1).
    pub inverted: bool,
    /// The window in use.
    pub window: Window,
    /// The window the file proposes (DICOM VOI), if any.
    pub file_window: Option<Window>,
    /// The default window (the file's, or one derived from the data).
    pub default_window: Window,
}

/// A decoded scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    /// Stored values: modality units after rescale for DICOM (e.g. Hounsfield units), grey
    /// levels (0–255 or 0–65535) for raster images.
    pub raw: GreyImage,
    /// The windowed display image in [0, 1], MONOCHROME1 already inverted.
    pub display: GreyImage,
    /// What we know about it.
    pub metadata: ScanMetadata,
}

impl ScanMetadata {
    /// The size of one model-input pixel in millimetres, `[across, down]`, when the file states
    /// its pixel spacing: the scan is resized to `size × size`, so a model pixel spans
    /// `width / size` columns and `height / size` rows. DICOM's Pixel Spacing lists the row
    /// spacing (down) first, then the column spacing (across).
    #[must_use]
    pub fn model_pixel_mm(&self, size: usize) -> Option<[f64; 2]> {
        let [down, across] = self.pixel_spacing_mm?;
        let size = size.max(1) as f64;
        Some([
            across * self.width as f64 / size,
            down * self.height as f64 / size,
        ])
    }
}

impl Scan {
    /// Builds a scan from stored values, computing the display image with `window`.
    #[must_use]
    pub fn from_raw(raw: GreyImage, mut metadata: ScanMetadata, window: Window) -> Self {
        let display = window.apply_image(&raw, metadata.inverted);
        metadata.window = window;
        Self {
            raw,
            display,
            metadata,
        }
    }

    /// The same scan shown through another window.
    #[must_use]
    pub fn with_window(&self, window: Window) -> Self {
        Self::from_raw(self.raw.clone(), self.metadata.clone(), window)
    }
}
