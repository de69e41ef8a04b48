//! A scan as a segmenter's input, prepared the way its training set was: padded with black to
//! a centred square (so that nothing is squashed), then resized to the model's side. The size
//! of one input pixel in millimetres follows from the scan's pixel spacing, when it has one.

use burn::tensor::{Device, Tensor};

use crate::imaging::{GreyImage, Scan, resize_grey, tensor_from_image};

/// `image` padded with zeros to a centred square of side max(width, height).
#[must_use]
pub fn pad_to_square(image: &GreyImage) -> GreyImage {
    let side = image.width.max(image.height);
    let (left, top) = ((side - image.width) / 2, (side - image.height) / 2);
    let mut pixels = vec![0.0f32; side * side];
    for y in 0..image.height {
        let row = &image.pixels[y * image.width..(y + 1) * image.width];
        pixels[(y + top) * side + left..(y + top) * side + left + image.width].copy_from_slice(row);
    }
    GreyImage {
        width: side,
        height: side,
        pixels,
    }
}

/// The segmenter input `[1, 1, size, size]` for a scan and, when the scan states an isotropic
/// pixel spacing, the side of one input pixel in mm.
#[must_use]
pub fn segmentation_input(scan: &Scan, size: usize, device: &Device) -> (Tensor<4>, Option<f32>) {
    let square = pad_to_square(&scan.display);
    let input = tensor_from_image(&resize_grey(&square, size, size), device);
    let pixel_mm = scan.metadata.pixel_spacing_mm.and_then(|[row, column]| {
        let isotropic = row > 0.0 && (row - column).abs() <= 0.01 * row;
        isotropic.then(|| (row * square.width as f64 / size.max(1) as f64) as f32)
    });
    (input, pixel_mm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_centres_the_image_in_black() {
        let image = GreyImage::new(4, 2, vec![1.0; 8]).unwrap();
        let square = pad_to_square(&image);
        assert_eq!((square.width, square.height), (4, 4));
        assert_eq!(square.pixels.iter().sum::<f32>(), 8.0);
        assert_eq!(&square.pixels[0..4], &[0.0; 4]);
        assert_eq!(&square.pixels[4..12], &[1.0; 8]);
    }
}
