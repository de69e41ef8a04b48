//! How good a mask is: Dice and IoU of the foreground, mean IoU over foreground and
//! background (the survey's mIoU), the 95th-percentile Hausdorff distance of the boundaries,
//! and the clinical measurement — an ellipse fitted to the
//! largest connected piece of the mask by its second moments, whose Ramanujan perimeter is the
//! head circumference.

/// Dice coefficient 2|A∩B| / (|A| + |B|); 1 when both are empty.
#[must_use]
pub fn dice(predicted: &[bool], truth: &[bool]) -> f32 {
    let (overlap, sizes) = overlap_and_sizes(predicted, truth);
    if sizes == 0 {
        1.0
    } else {
        2.0 * overlap as f32 / sizes as f32
    }
}

/// Intersection over union of the foreground; 1 when both are empty.
#[must_use]
pub fn iou(predicted: &[bool], truth: &[bool]) -> f32 {
    let (overlap, sizes) = overlap_and_sizes(predicted, truth);
    let union = sizes - overlap;
    if union == 0 {
        1.0
    } else {
        overlap as f32 / union as f32
    }
}

/// Mean IoU over the two classes, foreground and background.
#[must_use]
pub fn mean_iou(predicted: &[bool], truth: &[bool]) -> f32 {
    let inverted = |mask: &[bool]| mask.iter().map(|v| !v).collect::<Vec<_>>();
    0.5 * (iou(predicted, truth) + iou(&inverted(predicted), &inverted(truth)))
}

fn overlap_and_sizes(predicted: &[bool], truth: &[bool]) -> (usize, usize) {
    let overlap = predicted
        .iter()
        .zip(truth)
        .filter(|(p, t)| **p && **t)
        .count();
    let sizes = predicted.iter().filter(|p| **p).count() + truth.iter().filter(|t| **t).count();
    (overlap, sizes)
}

/// The boundary pixels of a mask: foreground with a background 4-neighbour or on the edge.
fn boundary(mask: &[bool], [height, width]: [usize; 2]) -> Vec<(f32, f32)> {
    let at = |x: usize, y: usize| mask[y * width + x];
    let mut points = Vec::new();
    for y in 0..height {
        for x in 0..width {
            if at(x, y)
                && (x == 0
                    || y == 0
                    || x + 1 == width
                    || y + 1 == height
                    || !at(x - 1, y)
                    || !at(x + 1, y)
                    || !at(x, y - 1)
                    || !at(x, y + 1))
            {
                points.push((x as f32, y as f32));
            }
        }
    }
    points
}

/// The 95th percentile (nearest rank) of the distances from each point of `from` to the
/// nearest point of `to`.
fn directed_percentile_95(from: &[(f32, f32)], to: &[(f32, f32)]) -> f32 {
    let mut distances: Vec<f32> = from
        .iter()
        .map(|&(x, y)| {
            to.iter()
                .map(|&(u, v)| (x - u).powi(2) + (y - v).powi(2))
                .fold(f32::INFINITY, f32::min)
                .sqrt()
        })
        .collect();
    distances.sort_by(f32::total_cmp);
    let rank = ((0.95 * distances.len() as f32).ceil() as usize).clamp(1, distances.len());
    distances[rank - 1]
}

/// The 95th-percentile Hausdorff distance between the boundaries of two masks, in pixels: the
/// larger of the two directed 95th percentiles (as MONAI's `compute_hausdorff_distance` with
/// `percentile=95`). 0 when both are empty; `None` when only one is (the distance is
/// unbounded).
#[must_use]
pub fn hausdorff_95(predicted: &[bool], truth: &[bool], size: [usize; 2]) -> Option<f32> {
    let (a, b) = (boundary(predicted, size), boundary(truth, size));
    match (a.is_empty(), b.is_empty()) {
        (true, true) => Some(0.0),
        (true, false) | (false, true) => None,
        (false, false) => Some(directed_percentile_95(&a, &b).max(directed_percentile_95(&b, &a))),
    }
}

/// An ellipse fitted to a mask, in pixels of that mask.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FittedEllipse {
    /// Centre (x, y).
    pub centre: (f32, f32),
    /// Semi-major and semi-minor axes.
    pub semi_axes: (f32, f32),
    /// Angle of the major axis from the x axis, in radians.
    pub angle: f32,
    /// Pixels in the piece it was fitted to.
    pub area: usize,
}

impl FittedEllipse {
    /// Ramanujan's approximation of the perimeter, π[3(a+b) − √((3a+b)(a+3b))], in pixels.
    #[must_use]
    pub fn circumference(&self) -> f32 {
        let (a, b) = self.semi_axes;
        std::f32::consts::PI * (3.0 * (a + b) - ((3.0 * a + b) * (a + 3.0 * b)).sqrt())
    }
}

/// Fits an ellipse to the largest 4-connected piece of `mask` (`height × width`) by its
/// moments: a filled ellipse of semi-axes a ≥ b has variances a²/4 and b²/4 along its axes.
/// `None` for an empty mask.
#[must_use]
pub fn fit_ellipse(mask: &[bool], [height, width]: [usize; 2]) -> Option<FittedEllipse> {
    let piece = largest_component(mask, [height, width]);
    if piece.is_empty() {
        return None;
    }
    let n = piece.len() as f64;
    let (mut sx, mut sy) = (0.0f64, 0.0f64);
    for &index in &piece {
        sx += (index % width) as f64;
        sy += (index / width) as f64;
    }
    let (mx, my) = (sx / n, sy / n);
    let (mut xx, mut yy, mut xy) = (0.0f64, 0.0f64, 0.0f64);
    for &index in &piece {
        let (dx, dy) = ((index % width) as f64 - mx, (index / width) as f64 - my);
        xx += dx * dx;
        yy += dy * dy;
        xy += dx * dy;
    }
    // A pixel is a unit square, not a point: add its own variance 1/12 on each axis.
    let (xx, yy, xy) = (xx / n + 1.0 / 12.0, yy / n + 1.0 / 12.0, xy / n);
    let mean = 0.5 * (xx + yy);
    let spread = (0.25 * (xx - yy).powi(2) + xy * xy).sqrt();
    let (major, minor) = (mean + spread, (mean - spread).max(0.0));
    Some(FittedEllipse {
        centre: (mx as f32, my as f32),
        semi_axes: ((2.0 * major.sqrt()) as f32, (2.0 * minor.sqrt()) as f32),
        angle: (0.5 * (2.0 * xy).atan2(xx - yy)) as f32,
        area: piece.len(),
    })
}

/// The pixel indices of the largest 4-connected foreground piece.
fn largest_component(mask: &[bool], [height, width]: [usize; 2]) -> Vec<usize> {
    let mut seen = vec![false; mask.len()];
    let mut best: Vec<usize> = Vec::new();
    let mut stack = Vec::new();
    for start in 0..mask.len().min(height * width) {
        if !mask[start] || seen[start] {
            continue;
        }
        let mut piece = Vec::new();
        seen[start] = true;
        stack.push(start);
        while let Some(index) = stack.pop() {
            piece.push(index);
            let (x, y) = (index % width, index / width);
            let neighbours = [
                (x > 0).then(|| index - 1),
                (x + 1 < width).then(|| index + 1),
                (y > 0).then(|| index - width),
                (y + 1 < height).then(|| index + width),
            ];
            for next in neighbours.into_iter().flatten() {
                if mask[next] && !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        if piece.len() > best.len() {
            best = piece;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disc(size: usize, centre: (f32, f32), axes: (f32, f32)) -> Vec<bool> {
        (0..size * size)
            .map(|i| {
                let (x, y) = ((i % size) as f32, (i / size) as f32);
                ((x - centre.0) / axes.0).powi(2) + ((y - centre.1) / axes.1).powi(2) <= 1.0
            })
            .collect()
    }

    #[test]
    fn overlap_scores_have_known_answers() {
        let a = [true, true, false, false];
        let b = [true, false, true, false];
        assert!((dice(&a, &b) - 0.5).abs() < 1e-6);
        assert!((iou(&a, &b) - 1.0 / 3.0).abs() < 1e-6);
        assert!((mean_iou(&a, &b) - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(dice(&[false; 3], &[false; 3]), 1.0);
        assert_eq!(dice(&a, &a), 1.0);
    }

    #[test]
    fn hausdorff_95_has_known_answers_and_handles_empty_masks() {
        // Two 3×3 squares in a 9×9 image, the second moved 2 px right: every boundary pixel
        // of each is at most 2 px from the other's boundary, and the corners exactly 2.
        let square = |left: usize| -> Vec<bool> {
            (0..81)
                .map(|i| (3..6).contains(&(i / 9)) && (left..left + 3).contains(&(i % 9)))
                .collect()
        };
        assert_eq!(hausdorff_95(&square(1), &square(3), [9, 9]), Some(2.0));
        assert_eq!(hausdorff_95(&square(1), &square(1), [9, 9]), Some(0.0));
        assert_eq!(hausdorff_95(&[false; 81], &[false; 81], [9, 9]), Some(0.0));
        assert_eq!(hausdorff_95(&square(1), &[false; 81], [9, 9]), None);
        assert_eq!(hausdorff_95(&[false; 81], &square(1), [9, 9]), None);
        // IoU and Dice of an empty prediction against a full truth are 0, not a division by 0.
        assert_eq!(dice(&[false; 4], &[true; 4]), 0.0);
        assert_eq!(iou(&[true; 4], &[false; 4]), 0.0);
    }

    #[test]
    fn the_fitted_ellipse_measures_a_drawn_one() {
        // Semi-axes 40 and 25 px: Ramanujan's perimeter is π(195 − √16675) = 206.93 px.
        let mask = disc(128, (64.0, 60.0), (40.0, 25.0));
        let fitted = fit_ellipse(&mask, [128, 128]).unwrap();
        assert!((fitted.semi_axes.0 - 40.0).abs() < 0.6, "{fitted:?}");
        assert!((fitted.semi_axes.1 - 25.0).abs() < 0.6, "{fitted:?}");
        assert!((fitted.centre.0 - 64.0).abs() < 0.1 && (fitted.centre.1 - 60.0).abs() < 0.1);
        let expected = FittedEllipse {
            semi_axes: (40.0, 25.0),
            ..fitted
        }
        .circumference();
        assert!((expected - 206.93).abs() < 0.01, "{expected}");
        assert!((fitted.circumference() - expected).abs() / expected < 0.01);
        assert!(fitted.angle.abs() < 0.01);
        // A stray speck elsewhere is ignored: only the largest piece is measured.
        let mut specked = mask.clone();
        specked[2 * 128 + 2] = true;
        assert_eq!(fit_ellipse(&specked, [128, 128]), Some(fitted));
        assert_eq!(fit_ellipse(&[false; 16], [4, 4]), None);
    }
}
