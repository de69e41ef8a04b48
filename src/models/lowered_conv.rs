//! Convolution lowered to one explicit matrix product (im2col), for the layers where Burn
//! Flex's own convolution spends its time moving weights rather than multiplying.
//!
//! Flex's CPU convolution re-lays-out its input and its weights on every call and scatters the
//! product back (docs/performance.md, "Where the time goes"). Where a layer's weights are larger
//! than its unrolled input — ResNet-18's 256- and 512-channel stages on a single 128×128 scan,
//! where the 3×3 weights are 4 to 32 times the im2col columns — that overhead dominates: a
//! 512→512 3×3 convolution on a 4×4 map took 2.5–3.1 ms through Flex and 0.9 ms as an explicit
//! product, on one thread of this project's machine. So such layers unroll the input
//! (`[C·kh·kw, Ho·Wo]` per image, tap-major within a channel, which is the order of the
//! weights' own `[O, C·kh·kw]` reshape) and multiply by the weights as stored, through the
//! backend extension in [`super::lowered_conv_kernel`], whose backward is Burn's own
//! convolution gradient; the results equal Flex's convolution up to float rounding (tests
//! below). On a batch the same product runs in bands of output rows, one image per thread,
//! which also beats Flex's convolution where the weights are small (its input re-layout and
//! strided scatter cost more than the product saves). Dilated, grouped and `Same`-padded
//! layers, and the wgpu backend, keep Burn's convolution.

use super::lowered_conv_kernel::LoweredConvolution;
use burn::backend::Dispatch;
use burn::backend::ops::ConvOptions;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::{DType, Device, Tensor};

/// `conv(input)`, through an explicit matrix product where that is faster on the CPU (see the
/// module documentation), and through Burn's convolution otherwise.
pub(crate) fn convolve(conv: &Conv2d, input: Tensor<4>) -> Tensor<4> {
    match lowering_plan(conv, &input) {
        Some(plan) => lowered(conv, input, &plan),
        None => conv.forward(input),
    }
}

/// What the lowered product needs to know about a layer and its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LoweringPlan {
    /// Padding before and after the rows, then the columns.
    padding: [(usize, usize); 2],
    /// Output height and width.
    output: [usize; 2],
}

/// The plan when the layer is lowered: on the Flex CPU backend, f32, with explicit or no
/// padding, no dilation or groups, at any batch size. How the product is cut (a whole image or
/// group of images at once, or bands of output rows, one image per thread) is the kernel's
/// choice; each was measured against Flex's convolution in docs/performance.md.
fn lowering_plan(conv: &Conv2d, input: &Tensor<4>) -> Option<LoweringPlan> {
    if input.device().without_autodiff() != Device::flex()
        || input.dtype() != DType::F32
        || conv.weight.val().dtype() != DType::F32
        || conv.groups != 1
        || conv.dilation != [1, 1]
    {
        return None;
    }
    let padding = match conv.padding {
        PaddingConfig2d::Valid => [(0, 0), (0, 0)],
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(top, bottom), (left, right)],
        PaddingConfig2d::Same => return None,
    };
    let [batch, _, height, width] = input.dims();
    let [kernel_h, kernel_w] = conv.kernel_size;
    let [stride_h, stride_w] = conv.stride;
    let padded = [
        height + padding[0].0 + padding[0].1,
        width + padding[1].0 + padding[1].1,
    ];
    if batch == 0 || stride_h == 0 || stride_w == 0 || padded[0] < kernel_h || padded[1] < kernel_w
    {
        return None;
    }
    let output = [
        (padded[0] - kernel_h) / stride_h + 1,
        (padded[1] - kernel_w) / stride_w + 1,
    ];
    Some(LoweringPlan { padding, output })
}

/// The convolution through the [`LoweredConvolution`] extension (an explicit product forward,
/// Burn's convolution gradients backward), plus the bias.
fn lowered(conv: &Conv2d, input: Tensor<4>, plan: &LoweringPlan) -> Tensor<4> {
    let options = ConvOptions::new_with_padding(conv.stride, plan.padding, [1, 1], 1);
    let output = Tensor::<4>::from_dispatch(<Dispatch as LoweredConvolution>::lowered_conv2d(
        input.into_dispatch(),
        conv.weight.val().into_dispatch(),
        options,
    ));
    let out_channels = output.dims()[1];
    match &conv.bias {
        Some(bias) => output + bias.val().reshape([1, out_channels, 1, 1]),
        None => output,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::conv::Conv2dConfig;
    use burn::tensor::Distribution;

    fn largest_gap(a: Tensor<4>, b: Tensor<4>) -> (f32, f32) {
        let scale: f32 = a.clone().abs().max().into_scalar();
        let gap: f32 = (a - b).abs().max().into_scalar();
        (gap, scale)
    }

    /// Layers of every kind the shipped networks have, at sizes where they are lowered, and
    /// the lowered result against Flex's own convolution, forward and input gradient.
    #[test]
    fn lowered_convolutions_equal_burns_in_value_and_input_gradient() {
        let device = Device::flex();
        // (in, out, kernel, stride, padding, size, bias)
        let layers = [
            (256, 256, 3, 1, 1, 8, true),
            (64, 96, 3, 1, 1, 4, false),
            (96, 128, 3, 2, 1, 8, true),
            (48, 80, 3, 2, 1, 7, true),
            (128, 256, 1, 2, 0, 8, false),
            (40, 60, 2, 1, 0, 5, true),
        ];
        for (index, &(cin, cout, kernel, stride, pad, size, bias)) in layers.iter().enumerate() {
            let conv = Conv2dConfig::new([cin, cout], [kernel, kernel])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
                .with_bias(bias)
                .init(&device);
            let input = Tensor::<4>::random(
                [1, cin, size, size],
                Distribution::Normal(0.0, 1.0),
                &device,
            );
            let plan = lowering_plan(&conv, &input);
            assert!(plan.is_some(), "layer {index} is lowered");
            let expected = conv.forward(input.clone());
            let actual = convolve(&conv, input.clone());
            assert_eq!(actual.dims(), expected.dims(), "layer {index}");
            let (gap, scale) = largest_gap(actual, expected);
            assert!(gap <= 1e-5 * scale, "layer {index}: {gap} of {scale}");

            // The same output direction differentiated both ways.
            let direction = Tensor::<4>::random(
                conv.forward(input.clone()).dims(),
                Distribution::Normal(0.0, 1.0),
                &device,
            );
            let gradient = |lowered_path: bool| {
                let leaf = input.clone().autodiff().require_grad();
                let output = if lowered_path {
                    convolve(&conv, leaf.clone())
                } else {
                    conv.forward(leaf.clone())
                };
                let grads = (output * direction.clone().autodiff()).sum().backward();
                leaf.grad(&grads).unwrap()
            };
            let (gap, scale) = largest_gap(gradient(true), gradient(false));
            assert!(
                gap <= 1e-5 * scale,
                "layer {index} gradient: {gap} of {scale}"
            );

            // And the weights' gradient, when the weights are tracked too.
            let weight_gradient = |lowered_path: bool| {
                let mut tracked = conv.clone();
                let leaf = conv.weight.val().autodiff().require_grad();
                tracked.weight = burn::module::Param::from_tensor(leaf.clone());
                tracked.bias = conv
                    .bias
                    .as_ref()
                    .map(|bias| burn::module::Param::from_tensor(bias.val().autodiff()));
                let scan = input.clone().autodiff();
                let output = if lowered_path {
                    convolve(&tracked, scan)
                } else {
                    tracked.forward(scan)
                };
                let grads = (output * direction.clone().autodiff()).sum().backward();
                leaf.grad(&grads).unwrap()
            };
            let (gap, scale) = largest_gap(weight_gradient(true), weight_gradient(false));
            assert!(
                gap <= 1e-5 * scale,
                "layer {index} weight gradient: {gap} of {scale}"
            );
        }
    }

    #[test]
    fn the_plan_takes_every_eligible_layer_and_only_those() {
        let device = Device::flex();
        let conv = Conv2dConfig::new([16, 24], [3, 3])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .init(&device);
        for batch in [1, 2, 16] {
            let scans = Tensor::<4>::zeros([batch, 16, 64, 64], &device);
            assert!(lowering_plan(&conv, &scans).is_some(), "batch {batch}");
        }
        let same = Conv2dConfig::new([256, 256], [3, 3])
            .with_padding(PaddingConfig2d::Same)
            .init(&device);
        assert_eq!(
            lowering_plan(&same, &Tensor::<4>::zeros([1, 256, 8, 8], &device)),
            None,
            "padding chosen by Burn"
        );
        let dilated = Conv2dConfig::new([8, 8], [3, 3])
            .with_dilation([2, 2])
            .init(&device);
        assert_eq!(
            lowering_plan(&dilated, &Tensor::<4>::zeros([1, 8, 16, 16], &device)),
            None,
            "dilation"
        );
        let empty = Tensor::<4>::zeros([0, 256, 8, 8], &device);
        assert_eq!(lowering_plan(&same, &empty), None, "an empty batch");
    }

    /// A batch whose layer has fewer weights than an image's columns is multiplied in bands of
    /// output rows, one image per task; the result must not depend on where the bands end.
    #[test]
    fn a_batch_multiplied_in_bands_equals_burns_convolution() {
        let device = Device::flex();
        // (in, out, stride, height, width): bands of 7 rows over 64 (the last of 1 row), and a
        // strided layer on an odd map (bands of 9 and 8 rows).
        for (cin, cout, stride, height, width) in [(16, 24, 1, 64, 64), (48, 80, 2, 33, 31)] {
            let conv = Conv2dConfig::new([cin, cout], [3, 3])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(&device);
            let input = Tensor::<4>::random(
                [3, cin, height, width],
                Distribution::Normal(0.0, 1.0),
                &device,
            );
            let expected = conv.forward(input.clone());
            let actual = convolve(&conv, input);
            assert_eq!(actual.dims(), expected.dims());
            let (gap, scale) = largest_gap(actual, expected);
            assert!(gap <= 1e-5 * scale, "{cin}→{cout}: {gap} of {scale}");
        }
    }

    /// A batch whose layer has more weights than an image's columns (ResNet-18's last stage) is
    /// multiplied in groups of images within the column budget, and the groups joined; the
    /// result must not depend on that split.
    #[test]
    fn a_batch_split_into_groups_equals_burns_convolution() {
        let device = Device::flex();
        let conv = Conv2dConfig::new([512, 512], [3, 3])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .init(&device);
        // 512·9·4·4 ≈ 74 k unrolled values per image: groups of 56 images, so two groups.
        let input = Tensor::<4>::random([64, 512, 4, 4], Distribution::Normal(0.0, 1.0), &device);
        let expected = conv.forward(input.clone());
        let (gap, scale) = largest_gap(convolve(&conv, input), expected);
        assert!(gap <= 1e-5 * scale, "{gap} of {scale}");
    }

    /// A layer whose weights dominate, on a map of fewer than 64 positions: a batch multiplies
    /// its images side by side, and each image's output is the one it gets alone, bit for bit
    /// (the images, channels and positions laid back out in their places).
    #[test]
    fn images_multiplied_side_by_side_equal_each_image_alone() {
        let device = Device::flex();
        let conv = Conv2dConfig::new([24, 40], [3, 3])
            .with_stride([2, 2])
            .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
            .init(&device);
        // A 7×5 map gives 4×3 = 12 output positions, fewer than the 40 output channels.
        let input = Tensor::<4>::random([3, 24, 7, 5], Distribution::Normal(0.0, 1.0), &device);
        let batch = convolve(&conv, input.clone());
        for image in 0..3 {
            let alone = convolve(&conv, input.clone().narrow(0, image, 1));
            let bits = |tensor: Tensor<4>| -> Vec<u32> {
                let values = tensor.into_data().try_to_vec::<f32>().unwrap();
                values.iter().map(|value| value.to_bits()).collect()
            };
            assert_eq!(
                bits(batch.clone().narrow(0, image, 1)),
                bits(alone),
                "image {image}"
            );
        }
    }

    /// The input gradient of a batch multiplied side by side (its own fold of one product)
    /// is Burn's convolution's input gradient, bit for bit: on a 512→512 layer over 4×4 maps
    /// (ResNet-18's last stage) and a strided 24→40 layer with padding.
    #[test]
    fn the_side_by_side_input_gradient_is_burns_bit_for_bit() {
        let device = Device::flex();
        let layers = [(512, 512, 1, [4, 4], 4), (24, 40, 2, [7, 5], 3)];
        for (index, &(cin, cout, stride, size, batch)) in layers.iter().enumerate() {
            let conv = Conv2dConfig::new([cin, cout], [3, 3])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(&device);
            let input = Tensor::<4>::random(
                [batch, cin, size[0], size[1]],
                Distribution::Normal(0.0, 1.0),
                &device,
            );
            let weights = Tensor::<4>::random(
                conv.forward(input.clone()).dims(),
                Distribution::Normal(0.0, 1.0),
                &device,
            );
            let gradient = |route: &dyn Fn(Tensor<4>) -> Tensor<4>| -> Vec<u32> {
                let leaf = input.clone().autodiff().require_grad();
                let grads = (route(leaf.clone()) * weights.clone().autodiff())
                    .sum()
                    .backward();
                let values = leaf
                    .grad(&grads)
                    .unwrap()
                    .into_data()
                    .try_to_vec::<f32>()
                    .unwrap();
                values.iter().map(|value| value.to_bits()).collect()
            };
            assert_eq!(
                gradient(&|x| convolve(&conv, x)),
                gradient(&|x| conv.forward(x)),
                "layer {index}"
            );
        }
    }

    #[test]
    fn a_known_answer_on_a_tiny_layer() {
        // One 2×2 kernel [[1, 2], [3, 4]], stride 1, no padding, bias 0.5, on [[1, 2, 3], [4, 5, 6],
        // [7, 8, 9]]: 1·1 + 2·2 + 3·4 + 4·5 + 0.5 = 37.5, then 47.5, 67.5, 77.5.
        let device = Device::flex();
        let mut conv = Conv2dConfig::new([1, 1], [2, 2]).init(&device);
        conv.weight = burn::module::Param::from_tensor(Tensor::from_floats(
            [[[[1.0, 2.0], [3.0, 4.0]]]],
            &device,
        ));
        conv.bias = Some(burn::module::Param::from_tensor(Tensor::from_floats(
            [0.5],
            &device,
        )));
        let input = Tensor::<4>::from_floats(
            [[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]],
            &device,
        );
        let plan = LoweringPlan {
            padding: [(0, 0), (0, 0)],
            output: [2, 2],
        };
        let values: Vec<f32> = lowered(&conv, input, &plan)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(values, vec![37.5, 47.5, 67.5, 77.5]);
    }
}
