//! How far an explanation moved between the clean and the adversarial scan: Spearman's rank
//! correlation of the two maps (average ranks for ties), the IoU of their top-10 % regions,
//! the displacement of their centroids (attribution-weighted), in pixels of the model's input
//! and in millimetres when the scan states its pixel spacing, and the share of each map's
//! attribution that falls inside a region of interest when one is drawn.

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
    /// The same distance in millimetres, when the scan states its pixel spacing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centroid_shift_mm: Option<f64>,
    /// The share of each map's attribution inside the region of interest, when one is drawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_share: Option<RegionShare>,
}

impl ExplanationShift {
    /// The shift in one line of words, the same in the window and the CLI.
    #[must_use]
    pub fn summary(&self) -> String {
        let millimetres = self
            .centroid_shift_mm
            .map(|mm| format!(" ({mm:.1} mm)"))
            .unwrap_or_default();
        let region = self
            .region_share
            .map(|share| {
                format!(
                    " · share inside the region {:.0} % → {:.0} %",
                    share.clean * 100.0,
                    share.adversarial * 100.0
                )
            })
            .unwrap_or_default();
        format!(
            "Spearman ρ {:.2} · top-10 % overlap (IoU) {:.2} · centroid {:.1} px{millimetres}{region}",
            self.spearman, self.top_iou, self.centroid_shift_px
        )
    }
}

/// How much of each map's (non-negative) attribution lies inside the region of interest:
/// 1 when all of it, the region's pixel fraction when the map is flat.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegionShare {
    /// Share of the clean map inside the region.
    pub clean: f64,
    /// Share of the adversarial map inside the region.
    pub adversarial: f64,
}

/// Where the two maps lie: the image width, the size of one input pixel in millimetres
/// (`[across, down]`) when known, and the region of interest (one flag per pixel) if any.
#[derive(Debug, Clone, Copy, Default)]
pub struct MapGeometry<'a> {
    /// Width of the maps in pixels.
    pub width: usize,
    /// Millimetres per input pixel, horizontally and vertically.
    pub pixel_mm: Option<[f64; 2]>,
    /// Pixels inside the region of interest, row-major.
    pub region: Option<&'a [bool]>,
}

impl MapGeometry<'_> {
    /// A `width`-wide image with no spacing and no region.
    #[must_use]
    pub fn plain(width: usize) -> Self {
        Self {
            width,
            pixel_mm: None,
            region: None,
        }
    }
}

/// The shift between `clean` and `adversarial` maps of one image.
#[must_use]
pub fn explanation_shift(
    clean: &[f32],
    adversarial: &[f32],
    geometry: MapGeometry<'_>,
) -> ExplanationShift {
    let width = geometry.width;
    ExplanationShift {
        spearman: spearman(clean, adversarial),
        top_iou: top_iou(clean, adversarial, TOP_SHARE),
        centroid_shift_px: centroid_distance(clean, adversarial, width),
        centroid_shift_mm: geometry.pixel_mm.map(|[across, down]| {
            centroid_distance_scaled(clean, adversarial, width, across, down)
        }),
        region_share: geometry.region.map(|region| RegionShare {
            clean: share_inside(clean, region),
            adversarial: share_inside(adversarial, region),
        }),
    }
}

/// The share of `values`' positive mass on pixels flagged in `region`; the region's pixel
/// fraction for a map with no positive mass (a flat map spreads evenly).
#[must_use]
pub fn share_inside(values: &[f32], region: &[bool]) -> f64 {
    let (mut inside, mut total) = (0.0f64, 0.0f64);
    for (value, &flag) in values.iter().zip(region) {
        let weight = f64::from(value.max(0.0));
        total += weight;
        if flag {
            inside += weight;
        }
    }
    if total > 0.0 {
        inside / total
    } else {
        region.iter().filter(|flag| **flag).count() as f64 / region.len().max(1) as f64
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
    centroid_distance_scaled(a, b, width, 1.0, 1.0)
}

/// Distance between the two maps' centroids with a pixel `across` wide and `down` tall.
fn centroid_distance_scaled(a: &[f32], b: &[f32], width: usize, across: f64, down: f64) -> f64 {
    let (ax, ay) = centroid(a, width);
    let (bx, by) = centroid(b, width);
    ((ax - bx) * across).hypot((ay - by) * down)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_maps_do_not_move() {
        let map: Vec<f32> = (0..64).map(|i| (i % 9) as f32 / 9.0).collect();
        let shift = explanation_shift(&map, &map, MapGeometry::plain(8));
        assert!((shift.spearman - 1.0).abs() < 1e-12);
        assert!((shift.top_iou - 1.0).abs() < 1e-12);
        assert!(shift.centroid_shift_px.abs() < 1e-12);
    }

    #[test]
    fn region_share_counts_positive_mass_inside() {
        let region = [true, true, false, false];
        assert!((share_inside(&[3.0, 1.0, 0.0, 4.0], &region) - 0.5).abs() < 1e-12);
        assert!((share_inside(&[1.0, 0.0, -5.0, 0.0], &region) - 1.0).abs() < 1e-12);
        // A flat (all-zero) map spreads evenly: the region's pixel fraction.
        assert!((share_inside(&[0.0; 4], &region) - 0.5).abs() < 1e-12);
        let shift = explanation_shift(
            &[1.0, 0.0, 0.0, 0.0],
            &[0.0, 0.0, 0.0, 1.0],
            MapGeometry {
                width: 2,
                pixel_mm: None,
                region: Some(&region),
            },
        );
        let share = shift.region_share.unwrap();
        assert_eq!((share.clean, share.adversarial), (1.0, 0.0));
        assert_eq!(shift.centroid_shift_mm, None);
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
        // With pixels 0.5 mm across and 2 mm down, the (3, 4) move is √(1.5² + 8²) mm.
        let geometry = MapGeometry {
            width: 10,
            pixel_mm: Some([0.5, 2.0]),
            region: None,
        };
        let millimetres = explanation_shift(&a, &b, geometry)
            .centroid_shift_mm
            .unwrap();
        assert!((millimetres - 1.5f64.hypot(8.0)).abs() < 1e-12);
        // Tops of 2 of 4 pixels sharing one: IoU 1/3.
        assert!(
            (top_iou(&[4.0, 3.0, 1.0, 0.0], &[4.0, 0.0, 3.0, 1.0], 0.5) - 1.0 / 3.0).abs() < 1e-12
        );
    }
}
