//! A labelled set of grey images held in memory — a data-set split read from `.npz`, or the
//! scans of a folder with one sub-folder per class — and batches of it as tensors. Training,
//! evaluation and calibration all read this one type.

use std::ops::Range;

use burn::tensor::{Device, Tensor, TensorData};

/// The pixels, as stored: 8-bit grey levels from a data set (compact), or values in [0, 1]
/// from decoded scans (which may have had more than 8 bits).
#[derive(Debug, Clone, PartialEq)]
enum Pixels {
    Grey8(Vec<u8>),
    Unit(Vec<f32>),
}

/// Images of one size with one class each.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledImages {
    pixels: Pixels,
    /// One class index per image.
    pub labels: Vec<usize>,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// Where they came from, in words ("the test split of …", a folder).
    pub source: String,
}

impl LabelledImages {
    /// From 8-bit grey levels, `count × height × width`, row-major.
    #[must_use]
    pub fn from_grey8(
        grey: Vec<u8>,
        labels: Vec<usize>,
        [height, width]: [usize; 2],
        source: &str,
    ) -> Self {
        Self {
            pixels: Pixels::Grey8(grey),
            labels,
            height,
            width,
            source: source.to_string(),
        }
    }

    /// From values in [0, 1], `count × height × width`, row-major.
    #[must_use]
    pub fn from_unit(
        values: Vec<f32>,
        labels: Vec<usize>,
        [height, width]: [usize; 2],
        source: &str,
    ) -> Self {
        Self {
            pixels: Pixels::Unit(values),
            labels,
            height,
            width,
            source: source.to_string(),
        }
    }

    /// Number of images.
    #[must_use]
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Images `range` (and their labels) as a set of their own, with the same source.
    #[must_use]
    pub fn slice(&self, range: Range<usize>) -> Self {
        let area = self.height * self.width;
        let pixels = match &self.pixels {
            Pixels::Grey8(grey) => {
                Pixels::Grey8(grey[range.start * area..range.end * area].to_vec())
            }
            Pixels::Unit(values) => {
                Pixels::Unit(values[range.start * area..range.end * area].to_vec())
            }
        };
        Self {
            pixels,
            labels: self.labels[range].to_vec(),
            height: self.height,
            width: self.width,
            source: self.source.clone(),
        }
    }

    /// The first `limit` images (all of them without a limit).
    #[must_use]
    pub fn first(&self, limit: Option<usize>) -> Self {
        self.slice(0..limit.map_or(self.len(), |l| l.min(self.len())))
    }

    /// One image as values in [0, 1].
    #[must_use]
    pub fn image_f32(&self, index: usize) -> Vec<f32> {
        let area = self.height * self.width;
        let range = index * area..(index + 1) * area;
        match &self.pixels {
            Pixels::Grey8(grey) => grey[range].iter().map(|&v| f32::from(v) / 255.0).collect(),
            Pixels::Unit(values) => values[range].to_vec(),
        }
    }

    /// The images at `indices` as a `[n, 1, h, w]` batch in [0, 1], and their labels.
    #[must_use]
    pub fn batch(&self, indices: &[usize], device: &Device) -> (Tensor<4>, Vec<usize>) {
        let mut values = Vec::with_capacity(indices.len() * self.height * self.width);
        for &index in indices {
            values.extend(self.image_f32(index));
        }
        let tensor = Tensor::from_data(
            TensorData::new(values, [indices.len(), 1, self.height, self.width]),
            device,
        );
        (tensor, indices.iter().map(|&i| self.labels[i]).collect())
    }

    /// Images `range` as a `[n, 1, h, w]` batch in [0, 1], and their labels.
    #[must_use]
    pub fn batch_range(&self, range: Range<usize>, device: &Device) -> (Tensor<4>, Vec<usize>) {
        let indices: Vec<usize> = range.collect();
        self.batch(&indices, device)
    }

    /// Mean and standard deviation of all pixels in [0, 1].
    #[must_use]
    pub fn pixel_statistics(&self) -> (f32, f32) {
        match &self.pixels {
            Pixels::Grey8(grey) => mean_and_std(|| grey.iter().map(|&v| f64::from(v) / 255.0)),
            Pixels::Unit(unit) => mean_and_std(|| unit.iter().map(|&v| f64::from(v))),
        }
    }
}

/// Mean and standard deviation in two passes (the mean first, then the squared deviations).
fn mean_and_std<I: Iterator<Item = f64>>(values: impl Fn() -> I) -> (f32, f32) {
    let count = values().count().max(1) as f64;
    let mean = values().sum::<f64>() / count;
    let variance = values().map(|v| (v - mean).powi(2)).sum::<f64>() / count;
    (mean as f32, variance.sqrt() as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_storages_give_the_same_batches_and_statistics() {
        let grey: Vec<u8> = (0..32).map(|v| (v * 8) as u8).collect();
        let unit: Vec<f32> = grey.iter().map(|&v| f32::from(v) / 255.0).collect();
        let a = LabelledImages::from_grey8(grey, vec![0, 1], [4, 4], "a");
        let b = LabelledImages::from_unit(unit, vec![0, 1], [4, 4], "b");
        assert_eq!(a.image_f32(1), b.image_f32(1));
        let (sa, sb) = (a.pixel_statistics(), b.pixel_statistics());
        assert!((sa.0 - sb.0).abs() < 1e-6 && (sa.1 - sb.1).abs() < 1e-6);
        let device = Device::flex();
        let (ta, la) = a.batch(&[1], &device);
        let (tb, lb) = b.batch_range(1..2, &device);
        assert_eq!(la, lb);
        assert_eq!(
            ta.into_data().try_to_vec::<f32>().unwrap(),
            tb.into_data().try_to_vec::<f32>().unwrap()
        );
        assert_eq!(a.first(Some(1)).len(), 1);
        assert_eq!(a.slice(1..2).labels, vec![1]);
    }
}
