//! The Square attack's L2 proposals (Andriushchenko et al. 2020, section 3.2). The
//! perturbation always has L2 norm ε before clipping to [0, 1] (clipping only moves pixels
//! towards the clean image, so the final norm is at most ε). It starts as a 5 × 5 grid of
//! tiles, each a centred "pseudo-Gaussian" bump of random sign. Each step moves the mass of
//! one random square window into another: the second window's perturbation is cleared, the
//! first is redrawn as its old direction plus a fresh bump of random sign, and the window is
//! rescaled to hold its old mass, the second window's mass and whatever the image had left
//! below ε. The whole perturbation is then rescaled to norm ε again. The masses are taken per
//! channel (the leftover split evenly over the channels), which is the reference's rule for
//! the one-channel scans advlens attacks.

use rand::{Rng, RngCore};
use rand_chacha::ChaCha8Rng;

use super::square::SquareProposals;

/// The smallest window side in L2 (the bump needs a centre and a ring).
const MIN_SIDE: usize = 3;

/// The L2 proposals for a budget ε.
pub(crate) struct L2Squares {
    /// The L2 budget on the [0, 1] scale.
    pub epsilon: f32,
}

impl SquareProposals for L2Squares {
    fn start(
        &self,
        clean: &[f32],
        [channels, height, width]: [usize; 3],
        rng: &mut ChaCha8Rng,
    ) -> Vec<f32> {
        let tile = (height.min(width) / 5).max(1);
        let top = (height - tile * (height / tile)) / 2;
        let left = (width - tile * (width / tile)) / 2;
        let mut delta = vec![0.0f32; clean.len()];
        for tile_row in 0..height / tile {
            for tile_column in 0..width / tile {
                for channel in 0..channels {
                    let bump = signed_bump(tile, rng);
                    let plane =
                        &mut delta[channel * height * width..(channel + 1) * height * width];
                    write_window(
                        plane,
                        width,
                        (top + tile_row * tile, left + tile_column * tile),
                        tile,
                        &bump,
                    );
                }
            }
        }
        apply_on_sphere(clean, &mut delta, self.epsilon)
    }

    fn propose(
        &self,
        best: &[f32],
        clean: &[f32],
        [channels, height, width]: [usize; 3],
        fraction: f64,
        rng: &mut ChaCha8Rng,
    ) -> Vec<f32> {
        let side = window_side(fraction, height, width);
        let first = (
            rng.random_range(0..=height - side),
            rng.random_range(0..=width - side),
        );
        let second = (
            rng.random_range(0..=height - side),
            rng.random_range(0..=width - side),
        );
        let plane_size = height * width;
        let mut delta: Vec<f32> = best.iter().zip(clean).map(|(b, c)| b - c).collect();
        for channel in 0..channels {
            let plane = &mut delta[channel * plane_size..(channel + 1) * plane_size];
            let image_mass = squared_sum(plane.iter().copied());
            let first_window = read_window(plane, width, first, side);
            let first_norm = squared_sum(first_window.iter().copied()).sqrt();
            let union_mass = squared_sum((0..plane_size).filter_map(|index| {
                let at = (index / width, index % width);
                (inside(at, first, side) || inside(at, second, side)).then_some(plane[index])
            }));
            let bump = signed_bump(side, rng);
            let mut block: Vec<f32> = bump
                .iter()
                .zip(&first_window)
                .map(|(b, old)| b + old / (1e-12 + first_norm))
                .collect();
            let block_norm = squared_sum(block.iter().copied()).sqrt().max(1e-12);
            let leftover = (self.epsilon * self.epsilon - image_mass).max(0.0) / channels as f32;
            let scale = (leftover + union_mass).sqrt() / block_norm;
            for value in &mut block {
                *value *= scale;
            }
            write_window(plane, width, second, side, &vec![0.0; side * side]);
            write_window(plane, width, first, side, &block);
        }
        apply_on_sphere(clean, &mut delta, self.epsilon)
    }
}

/// The window side for a square covering `fraction` of the image: odd and at least 3, then
/// cut to the image's smaller side (which may make it even, on an image smaller than the
/// square).
fn window_side(fraction: f64, height: usize, width: usize) -> usize {
    let mut side = ((fraction * (height * width) as f64).sqrt().round() as usize).max(MIN_SIDE);
    if side.is_multiple_of(2) {
        side += 1;
    }
    side.min(height.min(width))
}

/// `clean + δ`, with δ rescaled to L2 norm ε (left at zero when it is zero) and the sum
/// clipped to [0, 1].
fn apply_on_sphere(clean: &[f32], delta: &mut [f32], epsilon: f32) -> Vec<f32> {
    let norm = squared_sum(delta.iter().copied()).sqrt();
    let scale = if norm > 0.0 { epsilon / norm } else { 0.0 };
    clean
        .iter()
        .zip(delta.iter())
        .map(|(c, d)| (c + d * scale).clamp(0.0, 1.0))
        .collect()
}

/// A `side` × `side` bump of unit L2 norm: positive concentric rings in the top half,
/// negative in the bottom half (each half scaled to unit norm first, so that the halves weigh
/// the same when the side is odd), transposed half the time, times a random sign.
fn signed_bump(side: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let upper = side / 2;
    let unit = |mut half: Vec<f32>| {
        let norm = squared_sum(half.iter().copied()).sqrt();
        if norm > 0.0 {
            for value in &mut half {
                *value /= norm;
            }
        }
        half
    };
    let top = unit(rings(upper, side));
    let bottom = unit(rings(side - upper, side));
    let mut bump: Vec<f32> = top
        .into_iter()
        .chain(bottom.into_iter().map(|v| -v))
        .collect();
    let norm = squared_sum(bump.iter().copied()).sqrt().max(1e-12);
    let transpose = rng.next_u32() & 1 == 1;
    let sign = if rng.random::<bool>() { 1.0 } else { -1.0 };
    if transpose {
        let copy = bump.clone();
        for row in 0..side {
            for column in 0..side {
                bump[row * side + column] = copy[column * side + row];
            }
        }
    }
    for value in &mut bump {
        *value *= sign / norm;
    }
    bump
}

/// A `rows` × `columns` block of concentric rectangles around its centre: the cell at ring
/// distance d (Chebyshev distance from the centre) holds Σ_{k ≥ d} 1/(k + 1)², so the mass
/// falls off like a Gaussian's.
fn rings(rows: usize, columns: usize) -> Vec<f32> {
    let centre = (rows / 2, columns / 2);
    let count = (rows / 2 + 1).max(columns / 2 + 1);
    let mut block = Vec::with_capacity(rows * columns);
    for row in 0..rows {
        for column in 0..columns {
            let distance = row.abs_diff(centre.0).max(column.abs_diff(centre.1));
            let weight: f32 = (distance..count)
                .map(|k| 1.0 / ((k + 1) * (k + 1)) as f32)
                .sum();
            block.push(weight);
        }
    }
    block
}

/// Whether `(row, column)` lies in the `side` window whose top-left corner is `corner`.
fn inside((row, column): (usize, usize), corner: (usize, usize), side: usize) -> bool {
    (corner.0..corner.0 + side).contains(&row) && (corner.1..corner.1 + side).contains(&column)
}

/// The `side` × `side` window of `plane` at `corner`, row by row.
fn read_window(plane: &[f32], width: usize, corner: (usize, usize), side: usize) -> Vec<f32> {
    (0..side)
        .flat_map(|row| {
            let start = (corner.0 + row) * width + corner.1;
            plane[start..start + side].iter().copied()
        })
        .collect()
}

/// Overwrites the `side` × `side` window of `plane` at `corner` with `values`, row by row.
fn write_window(
    plane: &mut [f32],
    width: usize,
    corner: (usize, usize),
    side: usize,
    values: &[f32],
) {
    for row in 0..side {
        let start = (corner.0 + row) * width + corner.1;
        plane[start..start + side].copy_from_slice(&values[row * side..(row + 1) * side]);
    }
}

/// Σ v².
fn squared_sum(values: impl Iterator<Item = f32>) -> f32 {
    values.map(|v| v * v).sum()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn l2(values: &[f32]) -> f32 {
        squared_sum(values.iter().copied()).sqrt()
    }

    #[test]
    fn the_bump_has_unit_norm_and_opposite_halves() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for side in [1, 3, 5, 8] {
            let bump = signed_bump(side, &mut rng);
            assert!((l2(&bump) - 1.0).abs() < 1e-5, "side {side}");
            // The halves weigh the same, with opposite signs, whatever the parity of the side.
            let positive: f32 = bump.iter().filter(|v| **v > 0.0).map(|v| v * v).sum();
            let negative: f32 = bump.iter().filter(|v| **v < 0.0).map(|v| v * v).sum();
            if side > 1 {
                assert!(
                    (positive - negative).abs() < 1e-5,
                    "side {side}: {positive} vs {negative}"
                );
            }
        }
    }

    #[test]
    fn rings_peak_at_the_centre() {
        let block = rings(5, 5);
        assert!((block[12] - (1.0 + 0.25 + 1.0 / 9.0)).abs() < 1e-6);
        assert!((block[0] - 1.0 / 9.0).abs() < 1e-6);
        assert!(block[12] > block[7] && block[7] > block[2]);
    }

    #[test]
    fn start_and_proposals_sit_on_the_sphere_inside_the_box() {
        let (height, width) = (20, 24);
        let clean: Vec<f32> = (0..height * width)
            .map(|i| 0.2 + 0.6 * ((i % 7) as f32 / 7.0))
            .collect();
        let squares = L2Squares { epsilon: 0.5 };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut best = squares.start(&clean, [1, height, width], &mut rng);
        for step in 0..50 {
            let delta: Vec<f32> = best.iter().zip(&clean).map(|(b, c)| b - c).collect();
            // Far from the box's edges, clipping never bites: the norm is ε exactly.
            assert!(
                (l2(&delta) - 0.5).abs() < 1e-4,
                "step {step}: {}",
                l2(&delta)
            );
            assert!(best.iter().all(|v| (0.0..=1.0).contains(v)));
            best = squares.propose(&best, &clean, [1, height, width], 0.3, &mut rng);
        }
    }

    #[test]
    fn windows_are_odd_and_fit_the_image() {
        assert_eq!(window_side(0.8, 32, 32), 29);
        assert_eq!(window_side(0.0001, 32, 32), 3);
        assert_eq!(window_side(0.8, 2, 2), 2);
    }
}
