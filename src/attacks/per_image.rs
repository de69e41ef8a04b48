//! Per-image bookkeeping the newer attacks share: a scalar per image as a broadcastable
//! tensor, picking whole images from one batch or another, and the success test on host
//! logits.

use burn::tensor::{Device, Tensor, TensorData};

/// One value per image, shaped `[batch, 1, 1, 1]` for broadcasting.
pub(crate) fn per_image_scalars(values: &[f32], device: &Device) -> Tensor<4> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), [values.len(), 1, 1, 1]),
        device,
    )
}

/// Image `i` of `when_true` where `mask[i]`, else image `i` of `when_false`.
pub(crate) fn choose_images(
    mask: &[bool],
    when_true: Tensor<4>,
    when_false: Tensor<4>,
) -> Tensor<4> {
    if mask.iter().all(|m| !m) {
        return when_false;
    }
    if mask.iter().all(|m| *m) {
        return when_true;
    }
    let device = when_false.device();
    let values: Vec<f32> = mask.iter().map(|m| if *m { 1.0 } else { 0.0 }).collect();
    let selector = per_image_scalars(&values, &device)
        .expand(when_false.dims())
        .greater_elem(0.5);
    when_false.mask_where(selector, when_true)
}

/// Whether logits count as the attack's success: untargeted, the top class left `class`;
/// targeted, the top class is `class`.
#[must_use]
pub(crate) fn fooled(logits: &[f32], class: usize, targeted: bool) -> bool {
    super::attack_succeeded(
        super::predicted_class(logits),
        class,
        targeted.then_some(class),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choose_images_takes_whole_images() {
        let device = Device::flex();
        let ones = Tensor::<4>::ones([3, 1, 2, 2], &device);
        let zeros = Tensor::<4>::zeros([3, 1, 2, 2], &device);
        let mixed: Vec<f32> = choose_images(&[true, false, true], ones, zeros)
            .into_data()
            .try_to_vec()
            .unwrap();
        assert_eq!(&mixed[0..4], &[1.0; 4]);
        assert_eq!(&mixed[4..8], &[0.0; 4]);
        assert_eq!(&mixed[8..12], &[1.0; 4]);
        assert!(fooled(&[0.1, 0.9], 0, false));
        assert!(!fooled(&[0.1, 0.9], 0, true));
    }
}
