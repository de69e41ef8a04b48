//! The lowered convolution as a Burn backend extension: an explicit im2col product on the Flex
//! CPU backend, with a backward of its own.
//!
//! Built from Burn tensor operations (slices, a stack, a matrix product), a lowered layer's
//! input gradient was a chain of single-threaded scatters of the nine tap slices into full-size
//! zero tensors, twice as slow as Flex's own transposed convolution (docs/performance.md). As
//! one operation the forward pass of a single image (or of a group of images, where the
//! weights outnumber an image's unrolled columns) unrolls the input in one parallel pass over
//! its planes and multiplies once; other batches are multiplied in bands of output rows, one
//! image per thread, each band unrolled just before its product reads it. Autodiff
//! differentiates it the way Burn differentiates its own convolution: the input gradient is
//! the transposed convolution of the output gradient (`conv2d_x_backward`), the weight
//! gradient Burn's `conv2d_weight_backward`. So a lowered layer's gradients are the ones
//! Burn's convolution would give, and only the forward product differs, by float rounding.

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

use super::unroll::{UnrollGeometry, fold_side_by_side, unroll, unroll_output_rows};

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

/// Most unrolled values (f32) of one band of the batched path: 256 KiB, so that a band's
/// columns are still in the level-2 cache when the product packs them.
const TILE_BUDGET: usize = 64 << 10;

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
        let depth = geometry.depth();
        let output_shape = Shape::new([
            geometry.batch,
            out_channels,
            geometry.output[0],
            geometry.output[1],
        ]);
        if geometry.batch > 1 && !weights_dominate(&geometry, out_channels) {
            let weight = Flex::float_reshape(weight, Shape::new([out_channels, depth]));
            let product = banded_product(values, &weight, &geometry, out_channels);
            return Flex::float_from_data(TensorData::new(product, output_shape), &FlexDevice);
        }
        let side_by_side = multiplied_side_by_side(&geometry, out_channels);
        let weight = if side_by_side {
            Flex::float_reshape(weight, Shape::new([out_channels, depth]))
        } else {
            Flex::float_reshape(weight, Shape::new([1, out_channels, depth]))
        };
        // Images in groups whose unrolled columns stay within the budget (at least one image),
        // so that the columns are still in the cache when the product reads them.
        let per_image = depth * geometry.positions();
        let group = (COLUMN_BUDGET / per_image.max(1)).clamp(1, geometry.batch.max(1));
        let image_values = geometry.image_values();
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
                    TensorData::new(unroll(images, &part), [count, depth, geometry.positions()]),
                    &FlexDevice,
                );
                if side_by_side {
                    side_by_side_product(&weight, columns, count, geometry.positions())
                } else {
                    Flex::float_matmul(weight.clone(), columns)
                }
            })
            .collect();
        let product = match products.len() {
            1 => products.remove(0),
            _ => Flex::float_cat(products, 0),
        };
        Flex::float_reshape(product, output_shape)
    }
}

/// Below this many output positions per image, a group's images are multiplied side by side
/// as one product (`[O, C·kh·kw] × [C·kh·kw, images·Ho·Wo]`) rather than one product per
/// image: gemm lays its register block of 64 rows along the positions, so a 4×4 map (ResNet-18's
/// last stage) filled a quarter of it. Measured on a batch of 16 (`512→512`, 3×3, 4×4 map):
/// 5.6 ms one image at a time, 3.3 ms side by side including the re-layout; on the 8×8 stage
/// (64 positions) side by side was no faster, so it keeps one product per image.
const SIDE_BY_SIDE_BELOW: usize = 64;

/// Whether a batch's product is taken with its images side by side: several images, more
/// output channels than positions, and fewer positions than [`SIDE_BY_SIDE_BELOW`].
fn multiplied_side_by_side(geometry: &UnrollGeometry, out_channels: usize) -> bool {
    geometry.batch > 1
        && weights_dominate(geometry, out_channels)
        && geometry.positions() < SIDE_BY_SIDE_BELOW
}

/// `weight[O, C·kh·kw]` times the `columns[images, C·kh·kw, P]` of several images at once:
/// the columns laid side by side (`[C·kh·kw, images·P]`), one product, and the result laid
/// back out per image (`[images, O, P]`).
fn side_by_side_product(
    weight: &FloatTensor<Flex>,
    columns: FloatTensor<Flex>,
    images: usize,
    positions: usize,
) -> FloatTensor<Flex> {
    let depth = columns.layout().shape().dims::<3>()[1];
    let out_channels = weight.layout().shape().dims::<2>()[0];
    let side_by_side = images_side_by_side(columns, images, depth, positions);
    let product = Flex::float_matmul(weight.clone(), side_by_side);
    let per_image = Flex::float_swap_dims(
        Flex::float_reshape(product, Shape::new([out_channels, images, positions])),
        0,
        1,
    );
    per_image.to_contiguous()
}

/// `[images, rows, positions]` (or any shape of that many values) laid out as
/// `[rows, images·positions]`: image n's values in columns n·positions onwards.
fn images_side_by_side(
    tensor: FloatTensor<Flex>,
    images: usize,
    rows: usize,
    positions: usize,
) -> FloatTensor<Flex> {
    let per_image = Flex::float_reshape(tensor, Shape::new([images, rows, positions]));
    Flex::float_reshape(
        Flex::float_swap_dims(per_image, 0, 1),
        Shape::new([rows, images * positions]),
    )
}

/// Whether the layer has more weights (`O·C·kh·kw`) than one image's unrolled columns have
/// values (`C·kh·kw·Ho·Wo`), that is more output channels than output positions (ResNet-18's
/// last stages): then the whole-image product, which reads the weights once per image group,
/// beats bands, which would pack them once per band.
fn weights_dominate(geometry: &UnrollGeometry, out_channels: usize) -> bool {
    out_channels > geometry.positions()
}

/// A batch's product, one image per parallel task: its output rows in bands whose columns fit
/// [`TILE_BUDGET`], each band unrolled and multiplied back to back while its columns are in the
/// cache, and the band's product copied row by row into the image's `[O, Ho·Wo]` output (no
/// layout change of the input, and contiguous copies out). `weight` is `[O, C·kh·kw]`.
fn banded_product(
    values: &[f32],
    weight: &FloatTensor<Flex>,
    geometry: &UnrollGeometry,
    out_channels: usize,
) -> Vec<f32> {
    let [out_h, out_w] = geometry.output;
    let positions = geometry.positions();
    let mut output = vec![0.0f32; geometry.batch * out_channels * positions];
    let image_values = geometry.image_values();
    if positions == 0 || image_values == 0 {
        // No output, or an empty image whose every tap falls in the padding (all zero).
        return output;
    }
    let band_rows = (TILE_BUDGET / (geometry.depth() * out_w).max(1)).clamp(1, out_h);
    output
        .par_chunks_mut(out_channels * positions)
        .zip(values.par_chunks(image_values))
        .for_each(|(image_output, image)| {
            for first in (0..out_h).step_by(band_rows) {
                let rows = first..(first + band_rows).min(out_h);
                let width = rows.len() * out_w;
                let columns = Flex::float_from_data(
                    TensorData::new(
                        unroll_output_rows(image, geometry, rows),
                        [geometry.depth(), width],
                    ),
                    &FlexDevice,
                );
                let product = Flex::float_matmul(weight.clone(), columns);
                // A product of two f32 matrices is an f32 matrix, `[O, width]`, contiguous.
                for (channel, row) in product.storage::<f32>().chunks(width).enumerate() {
                    image_output[channel * positions + first * out_w..][..width]
                        .copy_from_slice(row);
                }
            }
        });
    output
}

/// The backward step: Burn's own convolution gradients, except the input gradient of layers
/// whose batch was multiplied side by side, which is taken the same way (see
/// [`side_by_side_input_gradient`]).
#[derive(Debug)]
struct LoweredConvolutionBackward;

impl Backward<Flex, 2> for LoweredConvolutionBackward {
    type State = (FloatTensor<Flex>, FloatTensor<Flex>, ConvOptions<2>);

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight] = ops.parents;
        let output_grad = grads.consume::<Flex>(&ops.node);
        let (x, weight, options) = ops.state;
        if let Some(node) = node_weight {
            let grad = Flex::conv2d_weight_backward(
                x.clone(),
                weight.clone(),
                output_grad.clone(),
                options.clone(),
            );
            grads.register::<Flex>(node.id, grad);
        }
        if let Some(node) = node_x {
            let out_channels = weight.layout().shape().dims::<4>()[0];
            let geometry = geometry_of(x.layout().shape(), weight.layout().shape(), &options);
            let grad = if multiplied_side_by_side(&geometry, out_channels)
                && x.dtype() == DType::F32
                && output_grad.dtype() == DType::F32
            {
                side_by_side_input_gradient(&weight, output_grad, &geometry)
            } else {
                Flex::conv2d_x_backward(x, weight, output_grad, options)
            };
            grads.register::<Flex>(node.id, grad);
        }
    }
}

/// The input gradient of a layer whose batch was multiplied side by side, in the same shape:
/// the output gradients of all images side by side (`[O, N·Ho·Wo]`), one product with the
/// transposed weights (`[C·kh·kw, O] × [O, N·Ho·Wo]`), and the columns folded back onto the
/// input. Burn's transposed convolution takes the same product one image at a time (16
/// columns per image on ResNet-18's last stage) and folds the same way, taps in order onto
/// zeros, so the gradient is the same.
fn side_by_side_input_gradient(
    weight: &FloatTensor<Flex>,
    output_grad: FloatTensor<Flex>,
    geometry: &UnrollGeometry,
) -> FloatTensor<Flex> {
    let out_channels = weight.layout().shape().dims::<4>()[0];
    let positions = geometry.positions();
    let images = geometry.batch;
    let gradients = images_side_by_side(output_grad, images, out_channels, positions);
    let transposed = Flex::float_swap_dims(
        Flex::float_reshape(weight.clone(), Shape::new([out_channels, geometry.depth()])),
        0,
        1,
    );
    let columns = Flex::float_matmul(transposed, gradients).to_contiguous();
    let input = fold_side_by_side(columns.storage::<f32>(), geometry);
    let shape = Shape::new([
        images,
        geometry.channels,
        geometry.input[0],
        geometry.input[1],
    ]);
    Flex::float_from_data(TensorData::new(input, shape), &FlexDevice)
}

impl<C: CheckpointStrategy> LoweredConvolution for Autodiff<Flex, C> {
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
                let output = Flex::lowered_conv2d(x.clone(), weight.clone(), options.clone());
                prep.finish((x, weight, options), output)
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::lowered_conv2d(
                x.into_primitive(),
                weight.into_primitive(),
                options,
            )),
        }
    }
}
