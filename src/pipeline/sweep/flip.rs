//! The smallest ε that flips a prediction: the sweep's grid brackets it, bisection narrows the
//! bracket with the same attack and seed, and the answer says how far it can be trusted.

use serde::{Deserialize, Serialize};

use super::SweepPoint;
use crate::attacks::{Norm, format_radius_short};

/// Bisection stops once the bracket is this narrow on the [0, 1] scale: 0.05/255 for L∞.
pub const FLIP_TOLERANCE_LINF: f64 = 0.05 / 255.0;
/// Bisection stops once the bracket is this narrow for an L2 radius.
pub const FLIP_TOLERANCE_L2: f64 = 0.005;

/// The bisection tolerance for a norm.
#[must_use]
pub fn flip_tolerance(norm: Norm) -> f64 {
    match norm {
        Norm::Linf => FLIP_TOLERANCE_LINF,
        Norm::L2 => FLIP_TOLERANCE_L2,
    }
}

/// How far a flip ε can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlipBound {
    /// The attack moves along one fixed direction as ε grows (FGSM, the noise control) and the
    /// prediction changed once on the grid: the smallest flipping ε lies in `(held, epsilon]`.
    Bracketed,
    /// The attack is optimised anew at each ε (or the prediction changed more than once):
    /// `epsilon` flips, and some smaller ε might too, so the smallest is at most `epsilon`.
    AtMost,
}

/// The smallest flipping ε found.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FlipEstimate {
    /// The smallest ε found to flip the prediction, on the [0, 1] scale.
    pub epsilon: f64,
    /// The largest ε below it found not to flip (equal to `epsilon` when ε = 0 already flips).
    pub held: f64,
    /// The true class's probability at `epsilon` (where the sweep plot's dot goes).
    pub true_class_probability: f32,
    /// How far it can be trusted.
    pub bound: FlipBound,
}

impl FlipEstimate {
    /// Whether the prediction was already a flip before any attack (ε = 0).
    #[must_use]
    pub fn before_attack(&self) -> bool {
        self.epsilon == 0.0
    }

    /// "flips at ε = 1.23/255", "flips at ε ≤ 1.23/255" (L2 radii without /255).
    #[must_use]
    pub fn describe(&self, norm: Norm) -> String {
        if self.before_attack() {
            return "already flipped at ε = 0, before any attack".to_string();
        }
        let relation = match self.bound {
            FlipBound::Bracketed => "=",
            FlipBound::AtMost => "≤",
        };
        format!(
            "flips at ε {relation} {}",
            format_radius_short(self.epsilon, norm)
        )
    }
}

/// Finds the first grid point that flips and bisects the bracket below it to `tolerance`.
///
/// `grid` is the sweep, in increasing ε; `flips` says whether a point counts as flipped;
/// `evaluate` runs the same attack at another ε. Every probe is returned (for the curve).
/// `ray` says that the attack moves along one fixed direction as ε grows.
///
/// # Errors
/// Whatever `evaluate` returns.
pub fn bisect_flip<E>(
    grid: &[SweepPoint],
    flips: &dyn Fn(&SweepPoint) -> bool,
    evaluate: &mut dyn FnMut(f64) -> Result<SweepPoint, E>,
    tolerance: f64,
    ray: bool,
) -> Result<(Option<FlipEstimate>, Vec<SweepPoint>), E> {
    let Some(first) = grid.iter().position(flips) else {
        return Ok((None, Vec::new()));
    };
    let mut high = grid[first];
    let mut probes = Vec::new();
    let consistent = grid[first..].iter().all(flips);
    let Some(low_point) = first.checked_sub(1).map(|i| grid[i]) else {
        let bound = if ray && consistent {
            FlipBound::Bracketed
        } else {
            FlipBound::AtMost
        };
        return Ok((Some(estimate(high, high.epsilon, bound)), probes));
    };
    let mut low = low_point.epsilon;
    while high.epsilon - low > tolerance {
        let middle = 0.5 * (low + high.epsilon);
        let probe = evaluate(middle)?;
        probes.push(probe);
        if flips(&probe) {
            high = probe;
        } else {
            low = middle;
        }
    }
    // An unflipped grid point above the first flip (checked above) is a sign of an attack that
    // is not monotone in ε; then a smaller flipping ε may hide below the grid's first flip too.
    let bound = if ray && consistent {
        FlipBound::Bracketed
    } else {
        FlipBound::AtMost
    };
    Ok((Some(estimate(high, low, bound)), probes))
}

fn estimate(point: SweepPoint, held: f64, bound: FlipBound) -> FlipEstimate {
    FlipEstimate {
        epsilon: point.epsilon,
        held,
        true_class_probability: point.true_class_probability,
        bound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(epsilon: f64, boundary: f64) -> SweepPoint {
        SweepPoint {
            epsilon,
            true_class_probability: if epsilon >= boundary { 0.2 } else { 0.8 },
            predicted: usize::from(epsilon >= boundary),
        }
    }

    fn grid(boundary: f64, count: usize, max: f64) -> Vec<SweepPoint> {
        (0..count)
            .map(|i| point(max * i as f64 / (count - 1) as f64, boundary))
            .collect()
    }

    #[test]
    fn bisection_brackets_a_known_boundary_to_the_tolerance() {
        let boundary = 1.37 / 255.0;
        let points = grid(boundary, 9, 16.0 / 255.0);
        let mut calls = 0;
        let (flip, probes) = bisect_flip::<()>(
            &points,
            &|p| p.predicted != 0,
            &mut |epsilon| {
                calls += 1;
                Ok(point(epsilon, boundary))
            },
            FLIP_TOLERANCE_LINF,
            true,
        )
        .unwrap();
        let flip = flip.unwrap();
        assert!(flip.held < boundary && boundary <= flip.epsilon, "{flip:?}");
        assert!(flip.epsilon - flip.held <= FLIP_TOLERANCE_LINF);
        assert_eq!(flip.bound, FlipBound::Bracketed);
        assert_eq!(probes.len(), calls);
        assert!(flip.describe(Norm::Linf).starts_with("flips at ε = 1.3"));
    }

    #[test]
    fn an_optimised_attack_or_a_second_change_gives_an_upper_bound() {
        let boundary = 3.1 / 255.0;
        let points = grid(boundary, 9, 16.0 / 255.0);
        let mut evaluate = |epsilon| Ok::<_, ()>(point(epsilon, boundary));
        let (flip, _) =
            bisect_flip(&points, &|p| p.predicted != 0, &mut evaluate, 1e-3, false).unwrap();
        assert_eq!(flip.unwrap().bound, FlipBound::AtMost);
        assert!(flip.unwrap().describe(Norm::Linf).contains('≤'));
        let mut wobbly = points.clone();
        wobbly[6].predicted = 0;
        let (flip, _) =
            bisect_flip(&wobbly, &|p| p.predicted != 0, &mut evaluate, 1e-3, true).unwrap();
        assert_eq!(flip.unwrap().bound, FlipBound::AtMost);
    }

    #[test]
    fn no_flip_and_a_flip_at_zero_are_reported_as_such() {
        let points = grid(1.0, 5, 0.1);
        let mut evaluate = |epsilon| Ok::<_, ()>(point(epsilon, 1.0));
        let (flip, probes) =
            bisect_flip(&points, &|p| p.predicted != 0, &mut evaluate, 1e-3, true).unwrap();
        assert!(flip.is_none() && probes.is_empty());
        let points = grid(0.0, 5, 0.1);
        let (flip, _) =
            bisect_flip(&points, &|p| p.predicted != 0, &mut evaluate, 1e-3, true).unwrap();
        assert!(flip.unwrap().before_attack());
    }

    #[test]
    fn l2_radii_are_not_written_in_255ths() {
        let flip = FlipEstimate {
            epsilon: 0.25,
            held: 0.2,
            true_class_probability: 0.4,
            bound: FlipBound::AtMost,
        };
        assert_eq!(flip.describe(Norm::L2), "flips at ε ≤ 0.250");
    }
}
