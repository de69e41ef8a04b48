//! How far an explanation moved between the clean and the adversarial scan: Spearman's rank
//! correlation of the two maps (average ranks for ties), the IoU of their top-10 % regions,
//! and the displacement of their centroids (attribution-weighted), in pixels of the model's
//! input.

use serde::{Deserialize, Serialize};

/// The share of pixels in a map's "top region".
pub const TOP_SHARE: f64 = 0.10;

/// The shift between two maps of the same scan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExplanationShift {
    /// Spearman's ρ between the maps (1: same ordering; 0: unrelated); 0 when a map is flat.
    pub spearman: f64,
    /// Intersection over union of the top-10 % pixels of each map.
    pub top_iou: f64,
    /// Distance between the maps' centroids, in input pixels.
    pub centroid_shift_px: f64,
}

/// The shift between `clean` and `adversarial` maps of a `width`-wide image.
#[must_use]
pub fn explanation_shift(clean: &[f32], adversarial: &[f32], width: usize) -> ExplanationShift {
    ExplanationShift {
        spearman: spearman(clean, adversarial),
        top_iou: top_iou(clean, adversarial, TOP_SHARE),
        centroid_shift_px: centroid_distance(clean, adversarial, width),
    }
}

/// Ranks from 1, ties sharing their average rank.
fn ranks(values: &[f32]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && values[order[end + 1]] == values[order[start]] {
            end += 1;
        }
        let average = (start + end) as f64 / 2.0 + 1.0;
        for &index in &order[start..=end] {
            ranks[index] = average;
        }
        start = end + 1;
    }
    ranks
}

/// Spearman's ρ: Pearson's correlation of the ranks.
#[must_use]
pub fn spearman(a: &[f32], b: &[f32]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len().min(rb.len()) as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean_a = ra.iter().sum::<f64>() / n;
    let mean_b = rb.iter().sum::<f64>() / n;
    let (mut cov, mut var_a, mut var_b) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        cov += (x - mean_a) * (y - mean_b);
        var_a += (x - mean_a).powi(2);
        var_b += (y - mean_b).powi(2);
    }
    if var_a <= 0.0 || var_b <= 0.0 {
        return 0.0;
    }
    cov / (var_a * var_b).sqrt()
}

/// The top `share` of `values`: every pixel at least as high as the k-th highest value
/// (k = ⌈share·n⌉; ties at that value are all in), leaving out pixels at 0 or below, so that a
/// map lit on fewer than k pixels is not padded with arbitrary dark ones.
fn top_set(values: &[f32], share: f64) -> Vec<bool> {
    let count = ((values.len() as f64 * share).ceil() as usize).clamp(1, values.len().max(1));
    let mut sorted: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let Some(&threshold) = sorted.get(count - 1).or(sorted.last()) else {
        return vec![false; values.len()];
    };
    values.iter().map(|v| *v > 0.0 && *v >= threshold).collect()
}

/// IoU of the top-`share` regions of two maps; 1 when both maps are dark everywhere (nothing
/// moved), 0 when only one is.
#[must_use]
pub fn top_iou(a: &[f32], b: &[f32], share: f64) -> f64 {
    let (ta, tb) = (top_set(a, share), top_set(b, share));
    let both = ta.iter().zip(&tb).filter(|(x, y)| **x && **y).count();
    let either = ta.iter().zip(&tb).filter(|(x, y)| **x || **y).count();
    if either == 0 {
        1.0
    } else {
        both as f64 / either as f64
    }
}

/// The attribution-weighted centroid `(x, y)`; the image centre for an all-zero map.
fn centroid(values: &[f32], width: usize) -> (f64, f64) {
    let width = width.max(1);
    let height = values.len() / width;
    let (mut sum, mut x, mut y) = (0.0f64, 0.0f64, 0.0f64);
    for (index, value) in values.iter().enumerate() {
        let weight = f64::from(value.max(0.0));
        sum += weight;
        x += weight * (index % width) as f64;
        y += weight * (index / width) as f64;
    }
    if sum <= 0.0 {
        return ((width as f64 - 1.0) / 2.0, (height as f64 - 1.0) / 2.0);
    }
    (x / sum, y / sum)
}

/// Distance between the two maps' centroids, in pixels.
#[must_use]
pub fn centroid_distance(a: &[f32], b: &[f32], width: usize) -> f64 {
    let (ax, ay) = centroid(a, width);
    let (bx, by) = centroid(b, width);
    (ax - bx).hypot(ay - by)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_maps_do_not_move() {
        let map: Vec<f32> = (0..64).map(|i| (i % 9) as f32 / 9.0).collect();
        let shift = explanation_shift(&map, &map, 8);
        assert!((shift.spearman - 1.0).abs() < 1e-12);
        assert!((shift.top_iou - 1.0).abs() < 1e-12);
        assert!(shift.centroid_shift_px.abs() < 1e-12);
    }

    #[test]
    fn known_answers() {
        // Reversed order: ρ = −1.
        assert!((spearman(&[1.0, 2.0, 3.0, 4.0], &[4.0, 3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        // Ties take average ranks: ranks (1.5, 1.5, 3) against (1, 2, 3): ρ = √3/2.
        let rho = spearman(&[1.0, 1.0, 2.0], &[1.0, 2.0, 3.0]);
        assert!((rho - 3f64.sqrt() / 2.0).abs() < 1e-12, "{rho}");
        // One hot pixel moved from (0, 0) to (3, 4): 5 pixels; disjoint tops.
        let mut a = vec![0.0f32; 100];
        let mut b = vec![0.0f32; 100];
        a[0] = 1.0;
        b[4 * 10 + 3] = 1.0;
        assert!((centroid_distance(&a, &b, 10) - 5.0).abs() < 1e-12);
        assert_eq!(top_iou(&a, &b, 0.01), 0.0);
        // Sparse maps are not padded with dark pixels: two disjoint hot spots of one pixel
        // each, far below 10 % of the image, share nothing.
        assert_eq!(top_iou(&a, &b, TOP_SHARE), 0.0);
        assert_eq!(top_iou(&[0.0; 4], &[0.0; 4], 0.5), 1.0);
        // Tops of 2 of 4 pixels sharing one: IoU 1/3.
        assert!(
            (top_iou(&[4.0, 3.0, 1.0, 0.0], &[4.0, 0.0, 3.0, 1.0], 0.5) - 1.0 / 3.0).abs() < 1e-12
        );
    }
}
