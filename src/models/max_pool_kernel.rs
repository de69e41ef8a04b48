//! Max pooling as a Burn backend extension on the Flex CPU backend, with a backward of its own.
//!
//! The forward pass pools every plane in parallel with the loops of [`super::pool_window`];
//! when autodiff tracks the input it also keeps each output's winner (its index in the plane),
//! and the backward pass adds each output's gradient to its winner. That is what Burn's own
//! max pooling does (`max_pool2d_with_indices` and its backward), with the same choice of
//! winner and the same order of additions, so values and gradients are the same bits; only
//! the time differs (docs/performance.md).

use std::sync::Arc;

use burn::backend::autodiff::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::{FloatTensorOps, ModuleOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Flex, FlexDevice, backend_extension};
use burn::tensor::{Shape, TensorData};
use rayon::prelude::*;

use super::pool_window::{PlanePooling, PoolWindow, scatter_gradient};

/// Max pooling of `x` (`[N, C, H, W]`, `f32`, contiguous or not) over `window`.
#[backend_extension(Flex, Autodiff)]
pub trait WindowMaxPool: Backend {
    /// The pooled tensor, `[N, C, Ho, Wo]`. The caller checks that the window fits the input
    /// (see [`super::max_pool`]).
    fn window_max_pool2d(x: FloatTensor<Self>, window: PoolWindow) -> FloatTensor<Self>;
}

/// The pooling of `x`'s planes, or `None` where the window does not fit them.
fn plane_pooling(x: &FloatTensor<Flex>, window: PoolWindow) -> Option<PlanePooling> {
    let [_, _, height, width] = x.layout().shape().dims::<4>();
    PlanePooling::new(window, [height, width])
}

/// Burn's own max pooling, for a window that does not fit (the route checks before calling,
/// so this only keeps a misuse from going unnoticed: Burn reports it).
fn burns_pooling(x: FloatTensor<Flex>, window: PoolWindow) -> FloatTensor<Flex> {
    Flex::max_pool2d(
        x,
        window.kernel,
        window.stride,
        window.padding,
        [1, 1],
        false,
    )
}

/// Pools every plane of `x` with `pooling`; the winners too when `track` is set.
fn pool_planes(
    x: &FloatTensor<Flex>,
    pooling: &PlanePooling,
    track: bool,
) -> (FloatTensor<Flex>, Vec<u32>) {
    let [batch, channels, _, _] = x.layout().shape().dims::<4>();
    let [out_h, out_w] = pooling.output_size();
    let x = x.to_contiguous();
    let values: &[f32] = x.storage();
    let mut output = vec![0.0f32; batch * channels * pooling.output_len()];
    let mut winners = vec![0u32; if track { output.len() } else { 0 }];
    if pooling.output_len() > 0 && pooling.input_len() > 0 {
        let inputs = values.par_chunks(pooling.input_len());
        let outputs = output.par_chunks_mut(pooling.output_len());
        if track {
            inputs
                .zip(outputs)
                .zip(winners.par_chunks_mut(pooling.output_len()))
                .for_each(|((plane, out), won)| pooling.pool(plane, out, Some(won)));
        } else {
            inputs
                .zip(outputs)
                .for_each(|(plane, out)| pooling.pool(plane, out, None));
        }
    }
    let shape = Shape::new([batch, channels, out_h, out_w]);
    (
        Flex::float_from_data(TensorData::new(output, shape), &FlexDevice),
        winners,
    )
}

impl WindowMaxPool for Flex {
    fn window_max_pool2d(x: FloatTensor<Self>, window: PoolWindow) -> FloatTensor<Self> {
        match plane_pooling(&x, window) {
            Some(pooling) => pool_planes(&x, &pooling, false).0,
            None => burns_pooling(x, window),
        }
    }
}

/// What the backward step keeps: the pooling, the input's shape and every output's winner.
#[derive(Debug, Clone)]
struct PoolingState {
    pooling: PlanePooling,
    input: Shape,
    winners: Arc<Vec<u32>>,
}

/// The backward step: each output's gradient added to its winner.
#[derive(Debug)]
struct WindowMaxPoolBackward;

impl Backward<Flex, 1> for WindowMaxPoolBackward {
    type State = PoolingState;

    fn backward(
        self,
        ops: Ops<Self::State, 1>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node] = ops.parents;
        let output_grad = grads.consume::<Flex>(&ops.node);
        let Some(node) = node else {
            return;
        };
        let PoolingState {
            pooling,
            input,
            winners,
        } = ops.state;
        let output_grad = output_grad.to_contiguous();
        let output_values: &[f32] = output_grad.storage();
        let mut input_grad = vec![0.0f32; input.num_elements()];
        if pooling.output_len() > 0 && pooling.input_len() > 0 {
            input_grad
                .par_chunks_mut(pooling.input_len())
                .zip(output_values.par_chunks(pooling.output_len()))
                .zip(winners.par_chunks(pooling.output_len()))
                .for_each(|((plane_grad, grad), won)| {
                    scatter_gradient(grad, won, plane_grad);
                });
        }
        grads.register::<Flex>(
            node.id,
            Flex::float_from_data(TensorData::new(input_grad, input), &FlexDevice),
        );
    }
}

impl<C: CheckpointStrategy> WindowMaxPool for Autodiff<Flex, C> {
    fn window_max_pool2d(x: FloatTensor<Self>, window: PoolWindow) -> FloatTensor<Self> {
        let Some(pooling) = plane_pooling(x.primitive(), window) else {
            // Burn's autodiff pooling, which reports the misfit.
            return Self::max_pool2d(
                x,
                window.kernel,
                window.stride,
                window.padding,
                [1, 1],
                false,
            );
        };
        match WindowMaxPoolBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let input = x.primitive().layout().shape().clone();
                let (output, winners) = pool_planes(x.primitive(), &pooling, true);
                let state = PoolingState {
                    pooling,
                    input,
                    winners: Arc::new(winners),
                };
                prep.finish(state, output)
            }
            OpsKind::UnTracked(prep) => prep.finish(pool_planes(x.primitive(), &pooling, false).0),
        }
    }
}
