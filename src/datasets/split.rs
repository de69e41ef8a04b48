//! One split of a data set held in memory, and batches of it as tensors.

use burn::tensor::{Device, Tensor, TensorData};

/// Images and labels of one split.
#[derive(Debug, Clone)]
pub struct Split {
    /// `count × height × width` grey levels, row-major.
    pub images: Vec<u8>,
    /// One class index per image.
    pub labels: Vec<u8>,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
}

impl Split {
    /// Number of images.
    #[must_use]
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The grey levels of one image.
    #[must_use]
    pub fn image(&self, index: usize) -> &[u8] {
        let size = self.height * self.width;
        &self.images[index * size..(index + 1) * size]
    }

    /// Images as floats in [0, 1].
    #[must_use]
    pub fn image_f32(&self, index: usize) -> Vec<f32> {
        self.image(index)
            .iter()
            .map(|&v| f32::from(v) / 255.0)
            .collect()
    }

    /// A batch as `[n, 1, h, w]` in [0, 1] and its labels.
    #[must_use]
    pub fn batch(&self, indices: &[usize], device: &Device) -> (Tensor<4>, Vec<usize>) {
        let mut values = Vec::with_capacity(indices.len() * self.height * self.width);
        for &index in indices {
            values.extend(self.image(index).iter().map(|&v| f32::from(v) / 255.0));
        }
        let tensor = Tensor::from_data(
            TensorData::new(values, [indices.len(), 1, self.height, self.width]),
            device,
        );
        (
            tensor,
            indices
                .iter()
                .map(|&i| usize::from(self.labels[i]))
                .collect(),
        )
    }

    /// Mean and standard deviation of all pixels in [0, 1].
    #[must_use]
    pub fn pixel_statistics(&self) -> (f32, f32) {
        let count = self.images.len().max(1) as f64;
        let mean = self
            .images
            .iter()
            .map(|&v| f64::from(v) / 255.0)
            .sum::<f64>()
            / count;
        let variance = self
            .images
            .iter()
            .map(|&v| (f64::from(v) / 255.0 - mean).powi(2))
            .sum::<f64>()
            / count;
        (mean as f32, variance.sqrt() as f32)
    }
}
