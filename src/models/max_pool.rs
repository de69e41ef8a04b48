//! Max pooling, through the [`WindowMaxPool`] extension on the Flex CPU backend and through
//! Burn's pooling elsewhere.
//!
//! Burn Flex's max pooling was most of the compact CNN's forward pass and a fifth of
//! ResNet-18's at batch 16 (docs/performance.md); the extension computes the same values and
//! gradients, bit for bit, in a fraction of the time. Dilated and ceil-mode pooling, `Same` or
//! uneven padding, other element types and the wgpu backend keep Burn's.

use burn::backend::Dispatch;
use burn::nn::PaddingConfig2d;
use burn::nn::pool::MaxPool2d;
use burn::tensor::{DType, Device, Tensor};

use super::max_pool_kernel::WindowMaxPool;
use super::pool_window::{PlanePooling, PoolWindow};

/// `pool(input)`: the same values and gradients as `pool.forward(input)`.
pub(crate) fn max_pool(pool: &MaxPool2d, input: Tensor<4>) -> Tensor<4> {
    match window_on_flex(pool, &input) {
        Some(window) => Tensor::<4>::from_dispatch(<Dispatch as WindowMaxPool>::window_max_pool2d(
            input.into_dispatch(),
            window,
        )),
        None => pool.forward(input),
    }
}

/// The window when the extension computes this pooling: an `f32` input on the Flex device,
/// dilation 1, outputs rounded down, the same padding on both sides of each axis, and a window
/// that fits the input.
fn window_on_flex(pool: &MaxPool2d, input: &Tensor<4>) -> Option<PoolWindow> {
    if input.device().without_autodiff() != Device::flex()
        || input.dtype() != DType::F32
        || pool.dilation != [1, 1]
        || pool.ceil_mode
    {
        return None;
    }
    let padding = match pool.padding {
        PaddingConfig2d::Valid => [0, 0],
        PaddingConfig2d::Explicit(top, left, bottom, right) if top == bottom && left == right => {
            [top, left]
        }
        PaddingConfig2d::Explicit(..) | PaddingConfig2d::Same => return None,
    };
    let window = PoolWindow {
        kernel: pool.kernel_size,
        stride: pool.stride,
        padding,
    };
    let [_, _, height, width] = input.dims();
    PlanePooling::new(window, [height, width]).map(|_| window)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::pool::MaxPool2dConfig;
    use burn::tensor::{Distribution, TensorData};

    fn bits(tensor: Tensor<4>) -> Vec<u32> {
        tensor
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32 values")
            .iter()
            .map(|value| value.to_bits())
            .collect()
    }

    /// The shipped networks' pools (the compact CNN's and the U-Net's 2×2, ResNet-18's 3×3 of
    /// stride 2 with padding 1) and odd sizes, on inputs with many ties (a `ReLU`'s zeros):
    /// values and input gradients equal Burn's bit for bit.
    #[test]
    fn pooled_values_and_gradients_equal_burns_bit_for_bit() {
        let device = Device::flex();
        let pools = [
            (MaxPool2dConfig::new([2, 2]).init(), [3, 5, 16, 16]),
            (MaxPool2dConfig::new([2, 2]).init(), [2, 3, 9, 7]),
            (
                MaxPool2dConfig::new([3, 3])
                    .with_strides([2, 2])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init(),
                [2, 4, 17, 12],
            ),
            (
                MaxPool2dConfig::new([3, 2])
                    .with_strides([1, 2])
                    .with_padding(PaddingConfig2d::Explicit(1, 0, 1, 0))
                    .init(),
                [1, 2, 6, 9],
            ),
        ];
        for (index, (pool, shape)) in pools.iter().enumerate() {
            let raw = Tensor::<4>::random(*shape, Distribution::Normal(0.0, 1.0), &device);
            // A ReLU, then values rounded to quarters: many ties, as in a real network.
            let input = burn::tensor::activation::relu(raw)
                .mul_scalar(4.0)
                .round()
                .div_scalar(4.0);
            assert!(
                window_on_flex(pool, &input).is_some(),
                "pool {index} is routed"
            );
            assert_eq!(
                bits(max_pool(pool, input.clone())),
                bits(pool.forward(input.clone())),
                "pool {index}: values"
            );
            let weights = Tensor::<4>::random(
                pool.forward(input.clone()).dims(),
                Distribution::Normal(0.0, 1.0),
                &device,
            );
            let gradient = |route: &dyn Fn(Tensor<4>) -> Tensor<4>| {
                let leaf = input.clone().autodiff().require_grad();
                let grads = (route(leaf.clone()) * weights.clone().autodiff())
                    .sum()
                    .backward();
                leaf.grad(&grads).expect("input gradient")
            };
            assert_eq!(
                bits(gradient(&|x| max_pool(pool, x))),
                bits(gradient(&|x| pool.forward(x))),
                "pool {index}: input gradient"
            );
        }
    }

    #[test]
    fn a_nan_propagates_as_in_burn() {
        let device = Device::flex();
        let pool = MaxPool2dConfig::new([2, 2]).init();
        let values = vec![1.0, f32::NAN, 3.0, 4.0, 0.0, 2.0, 5.0, 6.0];
        let input = Tensor::<4>::from_data(TensorData::new(values, [1, 1, 2, 4]), &device);
        let pooled = max_pool(&pool, input.clone())
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32");
        assert!(pooled[0].is_nan());
        assert_eq!(pooled[1], 6.0);
        assert_eq!(
            bits(max_pool(&pool, input.clone())),
            bits(pool.forward(input))
        );
    }

    #[test]
    fn poolings_the_extension_does_not_cover_keep_burns() {
        let device = Device::flex();
        let input = Tensor::<4>::zeros([1, 1, 8, 8], &device);
        let dilated = MaxPool2dConfig::new([2, 2]).with_dilation([2, 2]).init();
        let ceil = MaxPool2dConfig::new([3, 3]).with_ceil_mode(true).init();
        let uneven = MaxPool2dConfig::new([2, 2])
            .with_padding(PaddingConfig2d::Explicit(1, 0, 0, 0))
            .init();
        let too_large = MaxPool2dConfig::new([9, 9]).init();
        for pool in [dilated, ceil, uneven, too_large] {
            assert!(window_on_flex(&pool, &input).is_none(), "{pool:?}");
        }
    }
}
