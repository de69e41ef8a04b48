//! A single-channel floating-point image, row-major.

/// A grey image: `pixels[y * width + x]`.
#[derive(Debug, Clone, PartialEq)]
pub struct GreyImage {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Row-major values.
    pub pixels: Vec<f32>,
}

impl GreyImage {
    /// Wraps pixels; `None` when the length does not match the size.
    #[must_use]
    pub fn new(width: usize, height: usize, pixels: Vec<f32>) -> Option<Self> {
        (pixels.len() == width * height).then_some(Self {
            width,
            height,
            pixels,
        })
    }

    /// The value at (x, y); `None` outside the image.
    #[must_use]
    pub fn get(&self, x: usize, y: usize) -> Option<f32> {
        (x < self.width && y < self.height).then(|| self.pixels[y * self.width + x])
    }

    /// Smallest and largest value (0, 0 for an empty image).
    #[must_use]
    pub fn min_max(&self) -> (f32, f32) {
        let mut range = (f32::INFINITY, f32::NEG_INFINITY);
        for &value in &self.pixels {
            range.0 = range.0.min(value);
            range.1 = range.1.max(value);
        }
        if self.pixels.is_empty() {
            (0.0, 0.0)
        } else {
            range
        }
    }

    /// How many values are NaN or infinite.
    #[must_use]
    pub fn count_non_finite(&self) -> usize {
        self.pixels.iter().filter(|v| !v.is_finite()).count()
    }
}
