//! Unrolling a convolution's input into the columns of its matrix product (im2col), for the
//! lowered convolution of [`super::lowered_conv_kernel`]: row `c·kh·kw + ky·kw + kx` of an
//! image's column matrix holds input pixel `(oy·sy + ky − py, ox·sx + kx − px)` of channel `c`
//! at column `oy·Wo + ox`, and zero where that falls in the padding. That is the order of the
//! weights' own `[O, C·kh·kw]` reshape, so the product needs no re-layout of the weights.

use std::ops::Range;

use rayon::prelude::*;

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

    /// Values of one input image: `C·H·W`.
    pub fn image_values(&self) -> usize {
        self.channels * self.input[0] * self.input[1]
    }
}

/// Unrolls `input` (`[N, C, H, W]`, contiguous) into `[N, C·kh·kw, Ho·Wo]`, one parallel task
/// per input plane.
pub(crate) fn unroll(input: &[f32], geometry: &UnrollGeometry) -> Vec<f32> {
    let plane_rows = geometry.kernel[0] * geometry.kernel[1] * geometry.positions();
    let mut columns = vec![0.0f32; geometry.batch * geometry.channels * plane_rows];
    let plane_values = geometry.input[0] * geometry.input[1];
    if plane_rows == 0 || plane_values == 0 {
        // Nothing to unroll, or an empty image whose every tap falls in the padding.
        return columns;
    }
    columns
        .par_chunks_mut(plane_rows)
        .zip(input.par_chunks(plane_values))
        .for_each(|(rows, plane)| unroll_plane(plane, geometry, 0..geometry.output[0], rows));
    columns
}

/// Unrolls output rows `rows` of one image (`[C, H, W]`, contiguous) into
/// `[C·kh·kw, rows.len()·Wo]`: the columns of those output positions only, so that a tile of
/// the product can be built and multiplied while it is still in the cache.
pub(crate) fn unroll_output_rows(
    image: &[f32],
    geometry: &UnrollGeometry,
    rows: Range<usize>,
) -> Vec<f32> {
    let plane_rows = geometry.kernel[0] * geometry.kernel[1] * rows.len() * geometry.output[1];
    let mut columns = vec![0.0f32; geometry.channels * plane_rows];
    let plane_values = geometry.input[0] * geometry.input[1];
    if plane_rows == 0 || plane_values == 0 {
        return columns;
    }
    for (target, plane) in columns
        .chunks_mut(plane_rows)
        .zip(image.chunks(plane_values))
    {
        unroll_plane(plane, geometry, rows.clone(), target);
    }
    columns
}

/// The adjoint of [`unroll`] for images side by side: `columns` is `[C·kh·kw, N·Ho·Wo]` (image
/// n's positions from column n·Ho·Wo), and each input pixel of the returned `[N, C, H, W]`
/// receives the column values that [`unroll`] would copy from it, added taps in order (kernel
/// row, then kernel column) onto zeros, as Burn's transposed convolution adds them.
pub(crate) fn fold_side_by_side(columns: &[f32], geometry: &UnrollGeometry) -> Vec<f32> {
    let [height, width] = geometry.input;
    let [kernel_h, kernel_w] = geometry.kernel;
    let [stride_h, stride_w] = geometry.stride;
    let [pad_top, pad_left] = geometry.padding_before;
    let [out_h, out_w] = geometry.output;
    let positions = geometry.positions();
    let all_positions = geometry.batch * positions;
    let plane = height * width;
    let mut input = vec![0.0f32; geometry.batch * geometry.channels * plane];
    if plane == 0 || positions == 0 {
        return input;
    }
    input
        .par_chunks_mut(plane)
        .enumerate()
        .for_each(|(index, target)| {
            let (image, channel) = (index / geometry.channels, index % geometry.channels);
            for ky in 0..kernel_h {
                for kx in 0..kernel_w {
                    let row = (channel * kernel_h + ky) * kernel_w + kx;
                    let values = &columns[row * all_positions + image * positions..][..positions];
                    for oy in 0..out_h {
                        let Some(iy) = (oy * stride_h + ky).checked_sub(pad_top) else {
                            continue;
                        };
                        if iy >= height {
                            continue;
                        }
                        for ox in 0..out_w {
                            let Some(ix) = (ox * stride_w + kx).checked_sub(pad_left) else {
                                continue;
                            };
                            if ix < width {
                                target[iy * width + ix] += values[oy * out_w + ox];
                            }
                        }
                    }
                }
            }
        });
    input
}

/// Writes the `kh·kw` rows of one input plane for output rows `rows` into `target`
/// (`[kh·kw, rows.len()·Wo]`, zeroed beforehand; padding taps stay zero).
fn unroll_plane(plane: &[f32], geometry: &UnrollGeometry, rows: Range<usize>, target: &mut [f32]) {
    let [height, width] = geometry.input;
    let [kernel_h, kernel_w] = geometry.kernel;
    let [stride_h, stride_w] = geometry.stride;
    let [pad_top, pad_left] = geometry.padding_before;
    let out_w = geometry.output[1];
    let positions = rows.len() * out_w;
    for ky in 0..kernel_h {
        for kx in 0..kernel_w {
            let row = &mut target[(ky * kernel_w + kx) * positions..][..positions];
            // Output columns whose input column lies inside the image.
            let first = pad_left.saturating_sub(kx).div_ceil(stride_w);
            let last = (width + pad_left)
                .checked_sub(kx)
                .map_or(0, |room| room.div_ceil(stride_w))
                .min(out_w);
            for (local, oy) in rows.clone().enumerate() {
                let Some(iy) = (oy * stride_h + ky).checked_sub(pad_top) else {
                    continue;
                };
                if iy >= height || first >= last {
                    continue;
                }
                let source = &plane[iy * width..][..width];
                let destination = &mut row[local * out_w..][..out_w];
                let start = first * stride_w + kx - pad_left;
                if stride_w == 1 {
                    destination[first..last]
                        .copy_from_slice(&source[start..start + (last - first)]);
                } else {
                    for (offset, value) in destination[first..last].iter_mut().enumerate() {
                        *value = source[start + offset * stride_w];
                    }
                }
            }
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

    /// (batch, channels, input, kernel, stride, padding before, output)
    type Case = (
        usize,
        usize,
        [usize; 2],
        [usize; 2],
        [usize; 2],
        [usize; 2],
        [usize; 2],
    );

    const CASES: [Case; 7] = [
        (1, 1, [3, 3], [2, 2], [1, 1], [0, 0], [2, 2]),
        (2, 3, [5, 6], [3, 3], [1, 1], [1, 1], [5, 6]),
        (1, 2, [7, 7], [3, 3], [2, 2], [1, 1], [4, 4]),
        (1, 1, [9, 8], [7, 7], [2, 2], [3, 3], [5, 4]),
        (2, 2, [4, 4], [1, 1], [2, 2], [0, 0], [2, 2]),
        (1, 1, [2, 2], [3, 3], [1, 1], [2, 2], [4, 4]),
        (1, 2, [0, 3], [1, 1], [1, 1], [1, 0], [2, 3]),
    ];

    fn geometry_and_values(case: Case) -> (UnrollGeometry, Vec<f32>) {
        let (batch, channels, input, kernel, stride, padding_before, output) = case;
        let geometry = UnrollGeometry {
            batch,
            channels,
            input,
            kernel,
            stride,
            padding_before,
            output,
        };
        let values = (0..batch * channels * input[0] * input[1])
            .map(|i| i as f32 + 1.0)
            .collect();
        (geometry, values)
    }

    #[test]
    fn unrolling_matches_its_definition_for_strides_and_paddings() {
        for (index, case) in CASES.into_iter().enumerate() {
            let (geometry, values) = geometry_and_values(case);
            assert_eq!(
                unroll(&values, &geometry),
                unroll_by_definition(&values, &geometry),
                "case {index}"
            );
        }
    }

    /// Every band of output rows of every image is the matching slice of each row of the whole
    /// image's columns.
    #[test]
    fn unrolling_a_band_of_output_rows_is_the_same_slice_of_the_whole() {
        for (index, case) in CASES.into_iter().enumerate() {
            let (geometry, values) = geometry_and_values(case);
            let whole = unroll_by_definition(&values, &geometry);
            let [out_h, out_w] = geometry.output;
            let depth = geometry.depth();
            for image in 0..geometry.batch {
                let pixels = &values[image * geometry.image_values()..][..geometry.image_values()];
                let matrix = &whole[image * depth * out_h * out_w..][..depth * out_h * out_w];
                for start in 0..out_h {
                    for end in start + 1..=out_h {
                        let band = unroll_output_rows(pixels, &geometry, start..end);
                        let width = (end - start) * out_w;
                        let expected: Vec<f32> = matrix
                            .chunks(out_h * out_w)
                            .flat_map(|row| row[start * out_w..end * out_w].iter().copied())
                            .collect();
                        assert_eq!(band.len(), depth * width, "case {index}");
                        assert_eq!(band, expected, "case {index}, rows {start}..{end}");
                    }
                }
            }
        }
    }
}
