//! The lowered convolution as a Burn backend extension: an explicit im2col product on the Flex
//! CPU backend, with a backward of its own.
//!
//! Built from Burn tensor operations (slices, a stack, a matrix product), a lowered layer's
//! input gradient was a chain of single-threaded scatters of the nine tap slices into full-size
//! zero tensors, twice as slow as Flex's own transposed convolution (docs/performance.md). As
//! one operation the forward pass unrolls the input in one parallel pass over its planes and
//! multiplies once, and autodiff differentiates it the way Burn differentiates its own
//! convolution: the input gradient is the transposed convolution of the output gradient
//! (`conv2d_x_backward`), the weight gradient Burn's `conv2d_weight_backward`. So a lowered
//! layer's gradients are the ones Burn's convolution would give, and only the forward product
//! differs, by float rounding.

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::{ConvOptions, FloatTensorOps, ModuleOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Flex, FlexDevice, backend_extension};
use burn::tensor::{DType, Shape, TensorData};
use rayon::prelude::*;

/// A 2-D convolution without bias (`x[N, C, H, W]`, `weight[O, C, kh, kw]`), computed as
/// `weight[O, C·kh·kw] × columns[C·kh·kw, Ho·Wo]` per image.
#[backend_extension(Flex, Autodiff)]
pub trait LoweredConvolution: Backend {
    /// The convolution of `x` with `weight` under `options` (no dilation, one group).
    fn lowered_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self>;
}

/// Most unrolled values (f32) built at once: 16 MiB, the order of a last-level cache.
const COLUMN_BUDGET: usize = 4 << 20;

/// Sizes of one lowered convolution, read off its operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnrollGeometry {
    /// Images and input channels.
    pub batch: usize,
    pub channels: usize,
    /// Input height and width.
    pub input: [usize; 2],
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// Stride along the rows, then the columns.
    pub stride: [usize; 2],
    /// Zero padding before the first row and column.
    pub padding_before: [usize; 2],
    /// Output height and width.
    pub output: [usize; 2],
}

impl UnrollGeometry {
    /// Rows of each image's column matrix: `C·kh·kw`.
    pub fn depth(&self) -> usize {
        self.channels * self.kernel[0] * self.kernel[1]
    }

    /// Output positions per image: `Ho·Wo`.
    pub fn positions(&self) -> usize {
        self.output[0] * self.output[1]
    }
}

/// Unrolls `input` (`[N, C, H, W]`, contiguous) into `[N, C·kh·kw, Ho·Wo]`: row `c·kh·kw +
/// ky·kw + kx` of image `n` holds input pixel `(oy·sy + ky − py, ox·sx + kx − px)` of channel
/// `c` at column `oy·Wo + ox`, and zero where that falls in the padding. One parallel task
/// per input plane.
pub(crate) fn unroll(input: &[f32], geometry: &UnrollGeometry) -> Vec<f32> {
    let [height, width] = geometry.input;
    let [kernel_h, kernel_w] = geometry.kernel;
    let [stride_h, stride_w] = geometry.stride;
    let [pad_top, pad_left] = geometry.padding_before;
    let [out_h, out_w] = geometry.output;
    let positions = geometry.positions();
    let plane_rows = kernel_h * kernel_w * positions;
    let mut columns = vec![0.0f32; geometry.batch * geometry.channels * plane_rows];
    if plane_rows == 0 || height * width == 0 {
        // Nothing to unroll, or an empty image whose every tap falls in the padding.
        return columns;
    }
    columns
        .par_chunks_mut(plane_rows)
        .zip(input.par_chunks(height * width))
        .for_each(|(rows, plane)| {
            for ky in 0..kernel_h {
                for kx in 0..kernel_w {
                    let row = &mut rows[(ky * kernel_w + kx) * positions..][..positions];
                    // Output columns whose input column lies inside the image.
                    let first = pad_left.saturating_sub(kx).div_ceil(stride_w);
                    let last = (width + pad_left)
                        .checked_sub(kx)
                        .map_or(0, |room| room.div_ceil(stride_w))
                        .min(out_w);
                    for oy in 0..out_h {
                        let Some(iy) = (oy * stride_h + ky).checked_sub(pad_top) else {
                            continue;
                        };
                        if iy >= height || first >= last {
                            continue;
                        }
                        let source = &plane[iy * width..][..width];
                        let target = &mut row[oy * out_w..][..out_w];
                        let start = first * stride_w + kx - pad_left;
                        if stride_w == 1 {
                            target[first..last]
                                .copy_from_slice(&source[start..start + (last - first)]);
                        } else {
                            for (offset, value) in target[first..last].iter_mut().enumerate() {
                                *value = source[start + offset * stride_w];
                            }
                        }
                    }
                }
            }
        });
    columns
}

/// The geometry of `conv2d(x, weight, options)`, from the operands' shapes.
fn geometry_of(x: &Shape, weight: &Shape, options: &ConvOptions<2>) -> UnrollGeometry {
    let [batch, channels, height, width] = x.dims::<4>();
    let [_, _, kernel_h, kernel_w] = weight.dims::<4>();
    let kernel = [kernel_h, kernel_w];
    let [(top, bottom), (left, right)] = options.padding;
    let output = [
        (height + top + bottom - kernel[0]) / options.stride[0] + 1,
        (width + left + right - kernel[1]) / options.stride[1] + 1,
    ];
    UnrollGeometry {
        batch,
        channels,
        input: [height, width],
        kernel,
        stride: options.stride,
        padding_before: [top, left],
        output,
    }
}

impl LoweredConvolution for Flex {
    fn lowered_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        let out_channels = weight.layout().shape().dims::<4>()[0];
        let geometry = geometry_of(x.layout().shape(), weight.layout().shape(), &options);
        if geometry.batch == 0 {
            return Flex::conv2d(x, weight, None, options);
        }
        let x = x.to_contiguous();
        // The route is chosen for f32 tensors; anything else takes Flex's own convolution.
        let values = match x.as_slice::<f32>() {
            Some(values) if x.dtype() == DType::F32 => values,
            _ => return Flex::conv2d(x, weight, None, options),
        };
        let weight = Flex::float_reshape(weight, Shape::new([1, out_channels, geometry.depth()]));
        // Images in groups whose unrolled columns stay within the budget (at least one image),
        // so that the columns are still in the cache when the product reads them.
        let per_image = geometry.depth() * geometry.positions();
        let group = (COLUMN_BUDGET / per_image.max(1)).clamp(1, geometry.batch.max(1));
        let image_values = geometry.channels * geometry.input[0] * geometry.input[1];
        let mut products: Vec<FloatTensor<Self>> = (0..geometry.batch)
            .step_by(group)
            .map(|first| {
                let count = group.min(geometry.batch - first);
                let part = UnrollGeometry {
                    batch: count,
                    ..geometry
                };
                let images = &values[first * image_values..(first + count) * image_values];
                let columns = Flex::float_from_data(
                    TensorData::new(
                        unroll(images, &part),
                        [count, geometry.depth(), geometry.positions()],
                    ),
                    &FlexDevice,
                );
                Flex::float_matmul(weight.clone(), columns)
            })
            .collect();
        let product = match products.len() {
            1 => products.remove(0),
            _ => Flex::float_cat(products, 0),
        };
        Flex::float_reshape(
            product,
            Shape::new([
                geometry.batch,
                out_channels,
                geometry.output[0],
                geometry.output[1],
            ]),
        )
    }
}

/// The backward step: Burn's own convolution gradients.
#[derive(Debug)]
struct LoweredConvolutionBackward;

impl<B: Backend> Backward<B, 2> for LoweredConvolutionBackward {
    type State = (
        B::FloatTensorPrimitive,
        B::FloatTensorPrimitive,
        ConvOptions<2>,
    );

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight] = ops.parents;
        let output_grad = grads.consume::<B>(&ops.node);
        let (x, weight, options) = ops.state;
        if let Some(node) = node_weight {
            let grad = B::conv2d_weight_backward(
                x.clone(),
                weight.clone(),
                output_grad.clone(),
                options.clone(),
            );
            grads.register::<B>(node.id, grad);
        }
        if let Some(node) = node_x {
            grads.register::<B>(
                node.id,
                B::conv2d_x_backward(x, weight, output_grad, options),
            );
        }
    }
}

impl<B: Backend + LoweredConvolution, C: CheckpointStrategy> LoweredConvolution for Autodiff<B, C> {
    fn lowered_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        match LoweredConvolutionBackward
            .prepare::<C>([x.node(), weight.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let x = x.into_primitive();
                let weight = weight.into_primitive();
                let output = B::lowered_conv2d(x.clone(), weight.clone(), options.clone());
                prep.finish((x, weight, options), output)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::lowered_conv2d(
                x.into_primitive(),
                weight.into_primitive(),
                options,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct definition of the unrolled matrix, element by element.
    fn unroll_by_definition(input: &[f32], g: &UnrollGeometry) -> Vec<f32> {
        let mut columns = Vec::new();
        for n in 0..g.batch {
            for c in 0..g.channels {
                for ky in 0..g.kernel[0] {
                    for kx in 0..g.kernel[1] {
                        for oy in 0..g.output[0] {
                            for ox in 0..g.output[1] {
                                let iy =
                                    (oy * g.stride[0] + ky) as isize - g.padding_before[0] as isize;
                                let ix =
                                    (ox * g.stride[1] + kx) as isize - g.padding_before[1] as isize;
                                let inside = (0..g.input[0] as isize).contains(&iy)
                                    && (0..g.input[1] as isize).contains(&ix);
                                columns.push(if inside {
                                    input[((n * g.channels + c) * g.input[0] + iy as usize)
                                        * g.input[1]
                                        + ix as usize]
                                } else {
                                    0.0
                                });
                            }
                        }
                    }
                }
            }
        }
        columns
    }

    #[test]
    fn unrolling_matches_its_definition_for_strides_and_paddings() {
        // (batch, channels, input, kernel, stride, padding before, output)
        let cases = [
            (1, 1, [3, 3], [2, 2], [1, 1], [0, 0], [2, 2]),
            (2, 3, [5, 6], [3, 3], [1, 1], [1, 1], [5, 6]),
            (1, 2, [7, 7], [3, 3], [2, 2], [1, 1], [4, 4]),
            (1, 1, [9, 8], [7, 7], [2, 2], [3, 3], [5, 4]),
            (2, 2, [4, 4], [1, 1], [2, 2], [0, 0], [2, 2]),
            (1, 1, [2, 2], [3, 3], [1, 1], [2, 2], [4, 4]),
            (1, 2, [0, 3], [1, 1], [1, 1], [1, 0], [2, 3]),
        ];
        for (index, (batch, channels, input, kernel, stride, padding_before, output)) in
            cases.into_iter().enumerate()
        {
            let geometry = UnrollGeometry {
                batch,
                channels,
                input,
                kernel,
                stride,
                padding_before,
                output,
            };
            let values: Vec<f32> = (0..batch * channels * input[0] * input[1])
                .map(|i| i as f32 + 1.0)
                .collect();
            assert_eq!(
                unroll(&values, &geometry),
                unroll_by_definition(&values, &geometry),
                "case {index}"
            );
        }
    }
}
