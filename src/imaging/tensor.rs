//! Scans and images in and out of Burn tensors. The model sees the display image resized to
//! its input size with Lanczos-3, the same filter the training data was made with, without
//! keeping the aspect ratio (the training images were squashed to squares too).

use burn::tensor::{Device, Tensor, TensorData};
use image::{ImageBuffer, Luma, imageops};

use super::{GreyImage, ImagingError, Scan};

/// Resizes a grey image with Lanczos-3 and clamps the result to [0, 1].
#[must_use]
pub fn resize_grey(image: &GreyImage, width: usize, height: usize) -> GreyImage {
    if image.width == width && image.height == height {
        return image.clone();
    }
    let Some(buffer) = ImageBuffer::<Luma<f32>, Vec<f32>>::from_raw(
        image.width as u32,
        image.height as u32,
        image.pixels.clone(),
    ) else {
        // The buffer length always matches a GreyImage's size; an empty result is the safe fallback.
        return GreyImage {
            width,
            height,
            pixels: vec![0.0; width * height],
        };
    };
    let resized = imageops::resize(
        &buffer,
        width as u32,
        height as u32,
        imageops::FilterType::Lanczos3,
    );
    let pixels = resized
        .into_raw()
        .into_iter()
        .map(|v| v.clamp(0.0, 1.0))
        .collect();
    GreyImage {
        width,
        height,
        pixels,
    }
}

/// The model input for a scan: its display image at `size`×`size`, as `[1, 1, size, size]`.
#[must_use]
pub fn model_input_from_scan(scan: &Scan, size: usize, device: &Device) -> Tensor<4> {
    tensor_from_image(&resize_grey(&scan.display, size, size), device)
}

/// A grey image as a `[1, 1, height, width]` tensor.
#[must_use]
pub fn tensor_from_image(image: &GreyImage, device: &Device) -> Tensor<4> {
    let data = TensorData::new(image.pixels.clone(), [1, 1, image.height, image.width]);
    Tensor::from_data(data, device)
}

/// The first image of a `[batch, 1, height, width]` (or `[1, height, width]`-like) tensor.
///
/// # Errors
/// [`ImagingError::UnsupportedLayout`] when the tensor cannot be read back.
pub fn image_from_tensor(tensor: Tensor<4>) -> Result<GreyImage, ImagingError> {
    let [_, _, height, width] = tensor.dims();
    let first = tensor.slice([0..1, 0..1, 0..height, 0..width]);
    let data = first.try_into_data().map_err(|err| {
        ImagingError::UnsupportedLayout(format!("tensor read-back failed: {err:?}"))
    })?;
    let pixels = data.try_to_vec::<f32>().map_err(|err| {
        ImagingError::UnsupportedLayout(format!("tensor read-back failed: {err:?}"))
    })?;
    GreyImage::new(width, height, pixels)
        .ok_or_else(|| ImagingError::UnsupportedLayout("tensor size mismatch".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_survives_a_tensor_round_trip() {
        let device = Device::flex();
        let image = GreyImage::new(3, 2, vec![0.0, 0.1, 0.2, 0.3, 0.4, 0.5]).unwrap();
        let back = image_from_tensor(tensor_from_image(&image, &device)).unwrap();
        assert_eq!(back, image);
    }

    #[test]
    fn resize_keeps_a_flat_image_flat_and_in_range() {
        let image = GreyImage::new(50, 30, vec![0.25; 1500]).unwrap();
        let small = resize_grey(&image, 16, 16);
        assert_eq!(small.pixels.len(), 256);
        assert!(small.pixels.iter().all(|v| (v - 0.25).abs() < 1e-4));
    }
}
