//! The statistics of randomized smoothing (Cohen et al. 2019): a one-sided Clopper–Pearson
//! lower bound on the top class's probability under noise, and the certified L2 radius
//! `σ·Φ⁻¹(p_A)` it gives.

use serde::{Deserialize, Serialize};

/// What randomized smoothing can say about one image.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Certificate {
    /// The certified class, or `None` when the vote is too close to call (abstain).
    pub class: Option<usize>,
    /// Certified L2 radius on the [0, 1] scale (0 when abstaining): no perturbation with a
    /// smaller L2 norm changes the smoothed prediction, with probability ≥ 1 − α.
    pub radius: f64,
    /// The lower confidence bound on the top class's probability.
    pub p_lower: f64,
    /// Votes for the top class among `samples`.
    pub votes: usize,
    /// Noise samples counted.
    pub samples: usize,
}

/// Cohen et al.'s CERTIFY given the counts: `top` is the class chosen on the selection draws,
/// `votes` how many of the `samples` estimation draws it won.
#[must_use]
pub fn certify(top: usize, votes: usize, samples: usize, sigma: f64, alpha: f64) -> Certificate {
    let p_lower = clopper_pearson_lower(votes, samples, alpha);
    if p_lower <= 0.5 {
        return Certificate {
            class: None,
            radius: 0.0,
            p_lower,
            votes,
            samples,
        };
    }
    Certificate {
        class: Some(top),
        radius: sigma * inverse_normal_cdf(p_lower),
        p_lower,
        votes,
        samples,
    }
}

/// `P(X ≥ k)` for `X ~ Binomial(n, p)`, summed in log space.
fn binomial_upper_tail(k: usize, n: usize, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let (log_p, log_q) = (p.ln(), (1.0 - p).ln());
    let mut log_choose = 0.0f64; // ln C(n, 0)
    let mut terms = Vec::with_capacity(n - k + 1);
    for i in 0..=n {
        if i >= k {
            terms.push(log_choose + i as f64 * log_p + (n - i) as f64 * log_q);
        }
        if i < n {
            log_choose += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        }
    }
    let largest = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = terms.iter().map(|t| (t - largest).exp()).sum();
    (largest + sum.ln()).exp().min(1.0)
}

/// The one-sided `1 − α` Clopper–Pearson lower bound on a binomial proportion with `k`
/// successes in `n` trials: the `p` with `P(X ≥ k | p) = α` (0 when `k` = 0).
#[must_use]
pub fn clopper_pearson_lower(k: usize, n: usize, alpha: f64) -> f64 {
    if k == 0 || n == 0 {
        return 0.0;
    }
    let k = k.min(n);
    let (mut low, mut high) = (0.0f64, 1.0f64);
    for _ in 0..100 {
        let middle = 0.5 * (low + high);
        if binomial_upper_tail(k, n, middle) < alpha {
            low = middle;
        } else {
            high = middle;
        }
    }
    0.5 * (low + high)
}

/// Φ⁻¹(p) by Acklam's rational approximation (relative error below 1.2·10⁻⁹).
#[must_use]
pub fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.024_25 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.024_25 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_normal_known_values() {
        assert!(inverse_normal_cdf(0.5).abs() < 1e-9);
        assert!((inverse_normal_cdf(0.975) - 1.959_963_985).abs() < 1e-6);
        assert!((inverse_normal_cdf(0.001) + 3.090_232_306).abs() < 1e-6);
    }

    #[test]
    fn clopper_pearson_known_values() {
        // All n successes: the bound is α^(1/n).
        let bound = clopper_pearson_lower(100, 100, 0.001);
        assert!((bound - 0.001f64.powf(0.01)).abs() < 1e-9, "{bound}");
        // 50 of 100 at α = 0.05: the lower end of the 90 % two-sided interval, 0.41362
        // (exact binomial sums in rational arithmetic); 9 of 10 at α = 0.01: 0.49565.
        let half = clopper_pearson_lower(50, 100, 0.05);
        assert!((half - 0.413_622).abs() < 1e-5, "{half}");
        let nine = clopper_pearson_lower(9, 10, 0.01);
        assert!((nine - 0.495_647).abs() < 1e-5, "{nine}");
        assert_eq!(clopper_pearson_lower(0, 100, 0.05), 0.0);
    }

    #[test]
    fn radius_grows_with_the_vote_margin() {
        let radii: Vec<f64> = [60, 75, 90, 100]
            .iter()
            .map(|&votes| certify(1, votes, 100, 0.25, 0.001).radius)
            .collect();
        assert!(radii.windows(2).all(|pair| pair[0] < pair[1]), "{radii:?}");
        assert!(radii[3] <= 0.25 * inverse_normal_cdf(0.001f64.powf(0.01)) + 1e-9);
    }

    #[test]
    fn a_split_vote_abstains() {
        let split = certify(0, 52, 100, 0.25, 0.001);
        assert_eq!(split.class, None);
        assert_eq!(split.radius, 0.0);
        let clear = certify(0, 99, 100, 0.25, 0.001);
        assert_eq!(clear.class, Some(0));
        assert!(clear.radius > 0.0);
    }
}
