//! Window/level: the DICOM linear VOI function (PS3.3 C.11.2.1.2.1) mapping stored values to
//! display values in [0, 1]. Raster images use the same function on their integer grey levels.

use serde::{Deserialize, Serialize};

use super::{GreyImage, ImagingError};

/// A window centre and width, in the units of the stored values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Window {
    /// Window centre (level).
    pub center: f64,
    /// Window width (≥ 1 for integer data).
    pub width: f64,
}

impl Window {
    /// A window, refusing a width that is not positive and finite or a centre that is not
    /// finite.
    ///
    /// # Errors
    /// [`ImagingError::InvalidWindow`].
    pub fn new(center: f64, width: f64) -> Result<Self, ImagingError> {
        if width.is_finite() && width > 0.0 && center.is_finite() {
            Ok(Self { center, width })
        } else {
            Err(ImagingError::InvalidWindow { center, width })
        }
    }

    /// The window that maps integer levels `0..=max` onto [0, 1] exactly (`v / max`).
    #[must_use]
    pub fn full_range(max_level: f64) -> Self {
        Self {
            center: f64::midpoint(max_level, 1.0),
            width: max_level + 1.0,
        }
    }

    /// The window that maps `min..=max` onto [0, 1] (`(v - min) / (max - min)`).
    #[must_use]
    pub fn spanning(min: f64, max: f64) -> Self {
        let width = (max - min).max(0.0) + 1.0;
        Self {
            center: min + width / 2.0,
            width,
        }
    }

    /// The window spanning the `low`–`high` percentiles of an image's values (e.g. 1 and 99):
    /// a robust automatic contrast that ignores a few extreme pixels. Large images are
    /// sampled (at most about a million values).
    #[must_use]
    pub fn percentiles(raw: &GreyImage, low: f64, high: f64) -> Self {
        let stride = (raw.pixels.len() / 1_000_000).max(1);
        let mut values: Vec<f32> = raw
            .pixels
            .iter()
            .step_by(stride)
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        if values.is_empty() {
            return Self::full_range(1.0);
        }
        values.sort_by(f32::total_cmp);
        let at = |percent: f64| {
            let index =
                ((percent.clamp(0.0, 100.0) / 100.0) * (values.len() - 1) as f64).round() as usize;
            f64::from(values[index])
        };
        Self::spanning(at(low), at(high))
    }

    /// The DICOM linear window function for one value.
    #[must_use]
    pub fn apply(&self, value: f64) -> f64 {
        let half = (self.width - 1.0) / 2.0;
        let shifted = value - (self.center - 0.5);
        if self.width <= 1.0 {
            return if shifted > 0.0 { 1.0 } else { 0.0 };
        }
        if shifted <= -half {
            0.0
        } else if shifted > half {
            1.0
        } else {
            shifted / (self.width - 1.0) + 0.5
        }
    }

    /// Applies the window to a whole image, optionally inverting (MONOCHROME1).
    #[must_use]
    pub fn apply_image(&self, raw: &GreyImage, invert: bool) -> GreyImage {
        let pixels = raw
            .pixels
            .iter()
            .map(|&v| {
                let shown = self.apply(f64::from(v)) as f32;
                if invert { 1.0 - shown } else { shown }
            })
            .collect();
        GreyImage {
            width: raw.width,
            height: raw.height,
            pixels,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_range_is_division_by_max() {
        let window = Window::full_range(255.0);
        for level in [0.0, 1.0, 100.0, 254.0, 255.0] {
            assert!(
                (window.apply(level) - level / 255.0).abs() < 1e-12,
                "{level}"
            );
        }
    }

    #[test]
    fn spanning_maps_ends_to_zero_and_one() {
        let window = Window::spanning(100.0, 1100.0);
        assert!(window.apply(100.0).abs() < 1e-12);
        assert!((window.apply(1100.0) - 1.0).abs() < 1e-12);
        assert!((window.apply(600.0) - 0.5).abs() < 1e-3);
    }

    #[test]
    fn values_outside_the_window_saturate() {
        let window = Window::new(40.0, 400.0).unwrap();
        assert_eq!(window.apply(-1000.0), 0.0);
        assert_eq!(window.apply(3000.0), 1.0);
        assert!(Window::new(0.0, 0.0).is_err());
        assert!(Window::new(0.0, f64::NAN).is_err());
    }

    #[test]
    fn percentile_window_ignores_outliers() {
        let mut pixels: Vec<f32> = (0..1000).map(|v| v as f32).collect();
        pixels[0] = -1e6;
        pixels[999] = 1e6;
        let raw = GreyImage::new(1000, 1, pixels).unwrap();
        let window = Window::percentiles(&raw, 1.0, 99.0);
        let low = window.center - window.width / 2.0;
        let high = window.center + window.width / 2.0;
        assert!(
            (low - 10.0).abs() < 2.0 && (high - 990.0).abs() < 3.0,
            "{low}..{high}"
        );
    }

    #[test]
    fn inversion_flips_the_display() {
        let raw = GreyImage::new(2, 1, vec![0.0, 255.0]).unwrap();
        let shown = Window::full_range(255.0).apply_image(&raw, true);
        assert_eq!(shown.pixels, vec![1.0, 0.0]);
    }
}
