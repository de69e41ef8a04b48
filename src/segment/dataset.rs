//! Images with their masks: a segmentation data set from `../shared/datasets` (`.npz` with
//! `uint8 (N, H, W)` `*_images` and `{0, 1}` `*_masks` per split), with each image's pixel size
//! and official head circumference from the metadata beside it.

use std::path::Path;

use burn::tensor::{Device, Tensor, TensorData};

use super::SegmentationTask;
use super::metadata::{ImageMetadata, read_metadata};
use crate::datasets::{DatasetError, open_archive, read_grey_stack, sha256_file};

/// Images of one size, each with a binary mask and (when known) its measurements.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskedImages {
    /// 8-bit grey levels, `count × height × width`.
    pub images: Vec<u8>,
    /// 0 or 1 per pixel, same layout.
    pub masks: Vec<u8>,
    /// Per image: pixel size and official measurement, if the metadata has them.
    pub metadata: Vec<Option<ImageMetadata>>,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
}

impl MaskedImages {
    /// Number of images.
    #[must_use]
    pub fn len(&self) -> usize {
        self.metadata.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.metadata.is_empty()
    }

    fn pixels(&self) -> usize {
        self.height * self.width
    }

    /// Image `index` in [0, 1].
    #[must_use]
    pub fn image_f32(&self, index: usize) -> Vec<f32> {
        let n = self.pixels();
        self.images[index * n..(index + 1) * n]
            .iter()
            .map(|&v| f32::from(v) / 255.0)
            .collect()
    }

    /// Mask `index` as 0.0 / 1.0.
    #[must_use]
    pub fn mask_f32(&self, index: usize) -> Vec<f32> {
        let n = self.pixels();
        self.masks[index * n..(index + 1) * n]
            .iter()
            .map(|&v| f32::from(v.min(1)))
            .collect()
    }

    /// Images and masks `indices` as `[n, 1, h, w]` tensors.
    #[must_use]
    pub fn batch(&self, indices: &[usize], device: &Device) -> (Tensor<4>, Tensor<4>) {
        let shape = [indices.len(), 1, self.height, self.width];
        let images: Vec<f32> = indices.iter().flat_map(|&i| self.image_f32(i)).collect();
        let masks: Vec<f32> = indices.iter().flat_map(|&i| self.mask_f32(i)).collect();
        (
            Tensor::from_data(TensorData::new(images, shape), device),
            Tensor::from_data(TensorData::new(masks, shape), device),
        )
    }

    /// Mean and standard deviation of the pixels on the [0, 1] scale.
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

/// A segmentation data set: three splits and where they came from.
#[derive(Debug, Clone)]
pub struct SegmentationDataset {
    /// Training split.
    pub train: MaskedImages,
    /// Validation split.
    pub val: MaskedImages,
    /// Test split.
    pub test: MaskedImages,
    /// Path relative to the data-set folder.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
}

impl SegmentationDataset {
    /// A split by name (`train`, `val`, `test`).
    #[must_use]
    pub fn split(&self, name: &str) -> Option<&MaskedImages> {
        match name {
            "train" => Some(&self.train),
            "val" | "validation" => Some(&self.val),
            "test" => Some(&self.test),
            _ => None,
        }
    }
}

/// Loads a task's data set from `root` (the `../shared/datasets` folder). The metadata is
/// optional: without it the measurements in millimetres are not available.
///
/// # Errors
/// [`DatasetError`] when the file is missing or not in the expected layout.
pub fn load_segmentation_dataset(
    root: &Path,
    task: SegmentationTask,
) -> Result<SegmentationDataset, DatasetError> {
    let relative = task.dataset_file();
    let path = root.join(relative);
    let display = path.display().to_string();
    let metadata = read_metadata(&root.join(task.metadata_file())).unwrap_or_default();
    let mut archive = open_archive(&path)?;
    let mut read_split = |name: &str| -> Result<MaskedImages, DatasetError> {
        let (images, [count, height, width]) =
            read_grey_stack(&mut archive, &format!("{name}_images"), &display)?;
        let (masks, mask_shape) =
            read_grey_stack(&mut archive, &format!("{name}_masks"), &display)?;
        if mask_shape != [count, height, width] {
            return Err(DatasetError::Layout {
                reason: format!(
                    "{name}_masks has shape {mask_shape:?}, its images {:?}",
                    [count, height, width]
                ),
                path: display.clone(),
            });
        }
        let metadata = (0..count)
            .map(|index| metadata.get(&(name.to_string(), index)).copied())
            .collect();
        Ok(MaskedImages {
            images,
            masks,
            metadata,
            height,
            width,
        })
    };
    let train = read_split("train")?;
    let val = read_split("val")?;
    let test = read_split("test")?;
    Ok(SegmentationDataset {
        train,
        val,
        test,
        file: relative.to_string(),
        sha256: sha256_file(&path)?,
    })
}
