//! Max pooling of one plane, and its gradient, as plain loops over `f32` slices: the kernels
//! behind [`super::max_pool_kernel`].
//!
//! Burn Flex's max pooling computes every output's valid window with six integer divisions
//! and walks a three-dimensional window, which made the pools of the compact CNN most of its
//! forward pass on the CPU (docs/performance.md). Here the valid taps of every output row and
//! column are worked out once per call, and the common 2×2 window of stride 2 without padding
//! has a loop of its own. The choice within a window is Burn's (and `PyTorch`'s), so values,
//! winners and gradients are the same bits: windows are read row by row, left to right; the
//! first tap inside the image starts the window, a later tap replaces it only when it is
//! greater or NaN (so a NaN propagates and the last NaN wins), and taps in the padding are
//! skipped. An output whose whole window lies in the padding is −∞ with no winner.

use std::ops::Range;

/// Where an output's window has no tap inside the image (no gradient flows back to it).
pub(crate) const NO_WINNER: u32 = u32::MAX;

/// Sizes of one max pooling (dilation 1, outputs rounded down, the same padding on both sides
/// of each axis).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolWindow {
    /// Window height and width.
    pub kernel: [usize; 2],
    /// Step between windows, along the rows then the columns.
    pub stride: [usize; 2],
    /// Padding before and after the rows, then before and after the columns.
    pub padding: [usize; 2],
}

impl PoolWindow {
    /// Output height and width for an input of `input` (rows, columns), or `None` where the
    /// padded input is smaller than the window or a stride is zero.
    #[must_use]
    pub fn output(&self, input: [usize; 2]) -> Option<[usize; 2]> {
        let axis = |axis: usize| {
            let padded = input[axis] + 2 * self.padding[axis];
            if self.stride[axis] == 0 || self.kernel[axis] == 0 || padded < self.kernel[axis] {
                return None;
            }
            Some((padded - self.kernel[axis]) / self.stride[axis] + 1)
        };
        Some([axis(0)?, axis(1)?])
    }

    /// Whether this is the 2×2 window of stride 2 without padding, which has its own loop.
    fn is_two_by_two(&self) -> bool {
        self.kernel == [2, 2] && self.stride == [2, 2] && self.padding == [0, 0]
    }
}

/// One plane's pooling: its input size and, per output row and column, the window's taps that
/// fall inside the image (as kernel offsets).
#[derive(Debug, Clone)]
pub(crate) struct PlanePooling {
    window: PoolWindow,
    input: [usize; 2],
    rows: Vec<Range<usize>>,
    columns: Vec<Range<usize>>,
}

impl PlanePooling {
    /// The pooling of `input`-sized planes, or `None` (see [`PoolWindow::output`]; and for
    /// planes of [`MAX_PLANE`] values or more).
    pub(crate) fn new(window: PoolWindow, input: [usize; 2]) -> Option<Self> {
        let [out_h, out_w] = window.output(input)?;
        if input[0].checked_mul(input[1])? >= MAX_PLANE {
            return None;
        }
        let taps = |axis: usize, outputs: usize| -> Vec<Range<usize>> {
            (0..outputs)
                .map(|out| {
                    let origin = out * window.stride[axis];
                    // Offsets k with 0 ≤ origin + k − padding < input.
                    let start = window.padding[axis].saturating_sub(origin);
                    let end = (input[axis] + window.padding[axis])
                        .saturating_sub(origin)
                        .min(window.kernel[axis]);
                    start..end.max(start)
                })
                .collect()
        };
        Some(Self {
            window,
            input,
            rows: taps(0, out_h),
            columns: taps(1, out_w),
        })
    }

    /// Output height and width.
    pub(crate) fn output_size(&self) -> [usize; 2] {
        [self.rows.len(), self.columns.len()]
    }

    /// Values of one input plane.
    pub(crate) fn input_len(&self) -> usize {
        self.input[0] * self.input[1]
    }

    /// Values of one output plane.
    pub(crate) fn output_len(&self) -> usize {
        self.rows.len() * self.columns.len()
    }

    /// Pools `plane` into `output`, and writes each output's winner (its index in the plane,
    /// or [`NO_WINNER`]) into `winners` when given.
    pub(crate) fn pool(&self, plane: &[f32], output: &mut [f32], winners: Option<&mut [u32]>) {
        debug_assert_eq!(plane.len(), self.input_len());
        debug_assert_eq!(output.len(), self.output_len());
        let two_by_two = self.window.is_two_by_two();
        match winners {
            Some(winners) if two_by_two => self.pool_two_by_two::<true>(plane, output, winners),
            Some(winners) => self.pool_general::<true>(plane, output, winners),
            None if two_by_two => self.pool_two_by_two::<false>(plane, output, &mut []),
            None => self.pool_general::<false>(plane, output, &mut []),
        }
    }

    /// Any window: the precomputed tap ranges of each output row and column.
    fn pool_general<const TRACK: bool>(
        &self,
        plane: &[f32],
        output: &mut [f32],
        winners: &mut [u32],
    ) {
        let width = self.input[1];
        let out_w = self.columns.len();
        let [stride_h, stride_w] = self.window.stride;
        let [pad_h, pad_w] = self.window.padding;
        for (oh, taps_h) in self.rows.iter().enumerate() {
            for (ow, taps_w) in self.columns.iter().enumerate() {
                let (mut best, mut winner) = (f32::NEG_INFINITY, NO_WINNER);
                if !taps_h.is_empty() && !taps_w.is_empty() {
                    let top = oh * stride_h + taps_h.start - pad_h;
                    let left = ow * stride_w + taps_w.start - pad_w;
                    // The first tap inside the image starts the window (it meets itself
                    // again below, which changes nothing).
                    (best, winner) = (plane[top * width + left], plane_index(top * width + left));
                    for ih in top..top + taps_h.len() {
                        let start = ih * width + left;
                        for (offset, &value) in
                            plane[start..start + taps_w.len()].iter().enumerate()
                        {
                            challenge::<TRACK>(&mut best, &mut winner, value, start + offset);
                        }
                    }
                }
                output[oh * out_w + ow] = best;
                if TRACK {
                    winners[oh * out_w + ow] = winner;
                }
            }
        }
    }

    /// The 2×2 window of stride 2 without padding: four taps, always inside the image.
    fn pool_two_by_two<const TRACK: bool>(
        &self,
        plane: &[f32],
        output: &mut [f32],
        winners: &mut [u32],
    ) {
        let width = self.input[1];
        let out_w = self.columns.len();
        for oh in 0..self.rows.len() {
            let (top_row, bottom_row) = (2 * oh * width, (2 * oh + 1) * width);
            let top = &plane[top_row..][..2 * out_w];
            let bottom = &plane[bottom_row..][..2 * out_w];
            let out_row = &mut output[oh * out_w..][..out_w];
            for (ow, ((pair_top, pair_bottom), out)) in top
                .chunks_exact(2)
                .zip(bottom.chunks_exact(2))
                .zip(out_row.iter_mut())
                .enumerate()
            {
                let (left, bottom_left) = (top_row + 2 * ow, bottom_row + 2 * ow);
                let mut best = pair_top[0];
                let mut winner = plane_index(left);
                challenge::<TRACK>(&mut best, &mut winner, pair_top[1], left + 1);
                challenge::<TRACK>(&mut best, &mut winner, pair_bottom[0], bottom_left);
                challenge::<TRACK>(&mut best, &mut winner, pair_bottom[1], bottom_left + 1);
                *out = best;
                if TRACK {
                    winners[oh * out_w + ow] = winner;
                }
            }
        }
    }
}

/// The gradient of one input plane: each output's gradient added to its winner, outputs in
/// order, onto `input_grad`, which the caller zeroes (the order and start of Burn's own
/// scatter, so the same sums).
pub(crate) fn scatter_gradient(output_grad: &[f32], winners: &[u32], input_grad: &mut [f32]) {
    debug_assert_eq!(output_grad.len(), winners.len());
    for (&winner, &grad) in winners.iter().zip(output_grad) {
        if winner != NO_WINNER {
            input_grad[winner as usize] += grad;
        }
    }
}

/// One tap against the window's best so far: it wins when greater or NaN. Written without
/// branches (a select, not a jump), since which tap wins is data and a mispredicted jump per
/// tap cost more than the comparison.
#[inline]
fn challenge<const TRACK: bool>(best: &mut f32, winner: &mut u32, value: f32, index: usize) {
    let wins = (value > *best) | value.is_nan();
    *best = if wins { value } else { *best };
    if TRACK {
        *winner = if wins { plane_index(index) } else { *winner };
    }
}

/// A position within a plane as stored in a winners list. Planes of [`MAX_PLANE`] values or
/// more are pooled by Burn instead (the route checks), so the index fits.
fn plane_index(index: usize) -> u32 {
    debug_assert!(index < MAX_PLANE);
    index as u32
}

/// Planes must have fewer values than this to be pooled here: their indices, and
/// [`NO_WINNER`], fit in a `u32`.
pub(crate) const MAX_PLANE: usize = NO_WINNER as usize;

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, written out: every window tap by tap with Burn's rule.
    fn reference(plane: &[f32], input: [usize; 2], window: PoolWindow) -> (Vec<f32>, Vec<u32>) {
        let [out_h, out_w] = window.output(input).expect("valid pooling");
        let mut values = Vec::new();
        let mut winners = Vec::new();
        for oh in 0..out_h {
            for ow in 0..out_w {
                let mut best = f32::NEG_INFINITY;
                let mut winner = NO_WINNER;
                for kh in 0..window.kernel[0] {
                    for kw in 0..window.kernel[1] {
                        let ih = (oh * window.stride[0] + kh) as isize - window.padding[0] as isize;
                        let iw = (ow * window.stride[1] + kw) as isize - window.padding[1] as isize;
                        if ih < 0 || iw < 0 || ih >= input[0] as isize || iw >= input[1] as isize {
                            continue;
                        }
                        let index = ih as usize * input[1] + iw as usize;
                        let value = plane[index];
                        if winner == NO_WINNER || value > best || value.is_nan() {
                            best = value;
                            winner = index as u32;
                        }
                    }
                }
                values.push(best);
                winners.push(winner);
            }
        }
        (values, winners)
    }

    /// Values with many ties (a quarter are zero, as after a `ReLU`) and a few repeated values.
    fn plane(len: usize, seed: u32) -> Vec<f32> {
        (0..len as u32)
            .map(|i| {
                let mixed = i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 24;
                if mixed % 4 == 0 {
                    0.0
                } else {
                    (mixed % 7) as f32 - 2.5
                }
            })
            .collect()
    }

    #[test]
    fn every_window_matches_the_definition_bit_for_bit() {
        let cases = [
            ([2, 2], [2, 2], [0, 0], [8, 8]),
            ([2, 2], [2, 2], [0, 0], [7, 9]),
            ([3, 3], [2, 2], [1, 1], [9, 9]),
            ([3, 3], [2, 2], [1, 1], [8, 6]),
            ([3, 2], [1, 2], [1, 0], [5, 7]),
            ([3, 3], [3, 3], [0, 0], [10, 11]),
            ([2, 2], [1, 1], [1, 1], [4, 5]),
        ];
        for (case, &(kernel, stride, padding, input)) in cases.iter().enumerate() {
            let window = PoolWindow {
                kernel,
                stride,
                padding,
            };
            let pooling = PlanePooling::new(window, input).expect("valid pooling");
            let values = plane(input[0] * input[1], case as u32);
            let (expected, expected_winners) = reference(&values, input, window);
            let mut output = vec![0.0; pooling.output_len()];
            let mut winners = vec![0; pooling.output_len()];
            pooling.pool(&values, &mut output, Some(&mut winners));
            assert_eq!(winners, expected_winners, "case {case}: winners");
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&output), bits(&expected), "case {case}: values");
            let mut untracked = vec![0.0; pooling.output_len()];
            pooling.pool(&values, &mut untracked, None);
            assert_eq!(
                bits(&untracked),
                bits(&expected),
                "case {case}: values alone"
            );
        }
    }

    #[test]
    fn nan_wins_its_window_and_the_last_nan_is_the_winner() {
        let window = PoolWindow {
            kernel: [2, 2],
            stride: [2, 2],
            padding: [0, 0],
        };
        let pooling = PlanePooling::new(window, [2, 4]).expect("valid pooling");
        let values = [5.0, f32::NAN, 1.0, 2.0, f32::NAN, 9.0, 2.0, 2.0];
        let mut output = [0.0; 2];
        let mut winners = [0; 2];
        pooling.pool(&values, &mut output, Some(&mut winners));
        assert!(output[0].is_nan());
        assert_eq!(winners[0], 4, "the later NaN (row 1, column 0)");
        assert_eq!(output[1], 2.0);
        assert_eq!(winners[1], 3, "the first of the tied 2s");
    }

    #[test]
    fn overlapping_windows_add_their_gradients_at_a_shared_winner() {
        // A 3×3 window of stride 2 with padding 1 on a 3×3 plane: four windows, all of which
        // contain the centre, the plane's largest value.
        let window = PoolWindow {
            kernel: [3, 3],
            stride: [2, 2],
            padding: [1, 1],
        };
        let pooling = PlanePooling::new(window, [3, 3]).expect("valid pooling");
        let values = [0.0, 1.0, 0.0, 1.0, 5.0, 1.0, 0.0, 1.0, 0.0];
        let mut output = [0.0; 4];
        let mut winners = [0; 4];
        pooling.pool(&values, &mut output, Some(&mut winners));
        assert_eq!(output, [5.0; 4]);
        assert_eq!(winners, [4; 4]);
        let mut input_grad = [0.0; 9];
        scatter_gradient(&[1.0, 2.0, 3.0, 4.0], &winners, &mut input_grad);
        assert_eq!(input_grad, [0.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn sizes_follow_the_floor_rule_and_impossible_windows_are_refused() {
        let window = PoolWindow {
            kernel: [3, 3],
            stride: [2, 2],
            padding: [1, 1],
        };
        assert_eq!(window.output([64, 64]), Some([32, 32]));
        assert_eq!(window.output([7, 5]), Some([4, 3]));
        let two = PoolWindow {
            kernel: [2, 2],
            stride: [2, 2],
            padding: [0, 0],
        };
        assert_eq!(two.output([9, 8]), Some([4, 4]));
        assert_eq!(two.output([1, 8]), None);
        let zero_stride = PoolWindow {
            kernel: [2, 2],
            stride: [0, 2],
            padding: [0, 0],
        };
        assert_eq!(zero_stride.output([8, 8]), None);
    }
}
