//! Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019): a training batch whose images are
//! blended with a shuffled partner of the same batch, and whose loss blends the two labels in
//! the same proportion.
//!
//! - **Mixup**: λ ~ Beta(α, α); every image x becomes λ·x + (1 − λ)·x′, x′ its partner.
//! - **CutMix**: λ ~ Beta(α, α) sets the area of a box (1 − λ of the image, centre uniform,
//!   clipped at the edges) that is pasted from the partner; λ is then the share of the image
//!   that stayed its own.
//! - With both, each batch uses one of them, chosen with equal odds (timm's `switch_prob`
//!   0.5). The loss is λ·CE(own label) + (1 − λ)·CE(partner's label), as in the authors'
//!   code. Mixing is drawn after the per-image augmentation.

use rand::Rng;
use rand::seq::SliceRandom;

/// Which batch mixing to use; α = 0 turns a method off.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BatchMixing {
    /// Mixup's Beta(α, α) parameter (0.2–0.4 is usual); 0 for none.
    pub mixup_alpha: f32,
    /// CutMix's Beta(α, α) parameter (1 is usual: λ uniform); 0 for none.
    pub cutmix_alpha: f32,
}

/// A mixed batch's partners and proportion: row `i` holds `lambda` of its own image and
/// `1 − lambda` of row `partner[i]`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct MixedLabels {
    /// The partner row of each row.
    pub partner: Vec<usize>,
    /// The share of each image that is its own (the weight of its own label in the loss).
    pub lambda: f32,
}

impl BatchMixing {
    /// Whether any mixing is asked for.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.mixup_alpha > 0.0 || self.cutmix_alpha > 0.0
    }

    /// Describes itself for the model card, or `None` when off.
    #[must_use]
    pub fn describe(&self) -> Option<String> {
        match (self.mixup_alpha > 0.0, self.cutmix_alpha > 0.0) {
            (false, false) => None,
            (true, false) => Some(format!("mixup α = {}", self.mixup_alpha)),
            (false, true) => Some(format!("CutMix α = {}", self.cutmix_alpha)),
            (true, true) => Some(format!(
                "mixup α = {} or CutMix α = {} (one of the two per batch, equal odds)",
                self.mixup_alpha, self.cutmix_alpha
            )),
        }
    }

    /// Mixes a batch of `height × width` images in place (`values` holds them row after row)
    /// and says how; `None` when mixing is off or the batch has one image.
    pub fn mix<R: Rng>(
        &self,
        values: &mut [f32],
        (height, width): (usize, usize),
        rng: &mut R,
    ) -> Option<MixedLabels> {
        let pixels = height * width;
        let batch = values.len().checked_div(pixels)?;
        if !self.is_active() || batch < 2 {
            return None;
        }
        let use_cutmix = match (self.mixup_alpha > 0.0, self.cutmix_alpha > 0.0) {
            (true, true) => rng.random_bool(0.5),
            (_, cutmix) => cutmix,
        };
        let mut partner: Vec<usize> = (0..batch).collect();
        partner.shuffle(rng);
        let original = values.to_vec();
        let lambda = if use_cutmix {
            let box_ = cut_box(sample_beta(self.cutmix_alpha, rng), (height, width), rng);
            for (row, &other) in partner.iter().enumerate() {
                for y in box_.top..box_.bottom {
                    let at = y * width;
                    let (own, theirs) = (row * pixels + at, other * pixels + at);
                    values[own + box_.left..own + box_.right]
                        .copy_from_slice(&original[theirs + box_.left..theirs + box_.right]);
                }
            }
            1.0 - box_.area() as f32 / pixels as f32
        } else {
            let lambda = sample_beta(self.mixup_alpha, rng);
            for (row, &other) in partner.iter().enumerate() {
                let own = &mut values[row * pixels..(row + 1) * pixels];
                let theirs = &original[other * pixels..(other + 1) * pixels];
                for (value, &partner_value) in own.iter_mut().zip(theirs) {
                    *value = lambda * *value + (1.0 - lambda) * partner_value;
                }
            }
            lambda
        };
        Some(MixedLabels { partner, lambda })
    }
}

/// A rectangle of rows `top..bottom` and columns `left..right`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CutBox {
    top: usize,
    bottom: usize,
    left: usize,
    right: usize,
}

impl CutBox {
    fn area(&self) -> usize {
        (self.bottom - self.top) * (self.right - self.left)
    }
}

/// CutMix's box: sides √(1 − λ) of the image's, centre uniform over the image, clipped at
/// the edges (so the area can be smaller than 1 − λ; the caller recomputes λ from it).
fn cut_box<R: Rng>(lambda: f32, (height, width): (usize, usize), rng: &mut R) -> CutBox {
    let ratio = (1.0 - lambda).clamp(0.0, 1.0).sqrt();
    let (cut_h, cut_w) = (height as f32 * ratio, width as f32 * ratio);
    let (cy, cx) = (
        rng.random_range(0..height) as f32,
        rng.random_range(0..width) as f32,
    );
    let clip = |v: f32, limit: usize| (v.round().max(0.0) as usize).min(limit);
    CutBox {
        top: clip(cy - cut_h / 2.0, height),
        bottom: clip(cy + cut_h / 2.0, height),
        left: clip(cx - cut_w / 2.0, width),
        right: clip(cx + cut_w / 2.0, width),
    }
}

/// A draw from Beta(α, α) by Jöhnk's method in the log domain (exact for any α > 0; the
/// acceptance rate falls as α grows, 1/6 at α = 2, which is why α is capped at 4 by the CLI).
pub(crate) fn sample_beta<R: Rng>(alpha: f32, rng: &mut R) -> f32 {
    let alpha = f64::from(alpha);
    if alpha.is_nan() || alpha <= 0.0 {
        return 1.0;
    }
    loop {
        // Uniforms in (0, 1]: log of 0 would be −∞.
        let u = 1.0 - rng.random::<f64>();
        let v = 1.0 - rng.random::<f64>();
        let (log_x, log_y) = (u.ln() / alpha, v.ln() / alpha);
        let high = log_x.max(log_y);
        let log_sum = high + ((log_x - high).exp() + (log_y - high).exp()).ln();
        if log_sum <= 0.0 {
            return (1.0 / (1.0 + (log_y - log_x).exp())) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn moments(alpha: f32) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let draws: Vec<f64> = (0..40_000)
            .map(|_| f64::from(sample_beta(alpha, &mut rng)))
            .collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        (mean, var)
    }

    #[test]
    fn beta_draws_have_the_known_mean_and_variance() {
        // Beta(α, α): mean ½, variance 1 / (4(2α + 1)).
        for alpha in [0.2f32, 1.0, 3.0] {
            let (mean, var) = moments(alpha);
            let expected = 1.0 / (4.0 * (2.0 * f64::from(alpha) + 1.0));
            assert!((mean - 0.5).abs() < 0.01, "α {alpha}: mean {mean}");
            assert!(
                (var - expected).abs() < 0.05 * expected,
                "α {alpha}: variance {var} vs {expected}"
            );
        }
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!((0..1000).all(|_| (0.0..=1.0).contains(&sample_beta(0.01, &mut rng))));
    }

    /// Three 2×3 images with distinct pixels: 100·row + pixel.
    fn batch() -> Vec<f32> {
        (0..3)
            .flat_map(|row| (0..6).map(move |p| (100 * row + p) as f32))
            .collect()
    }

    #[test]
    fn mixup_blends_each_image_with_its_partner_by_lambda() {
        let mixing = BatchMixing {
            mixup_alpha: 0.4,
            cutmix_alpha: 0.0,
        };
        let mut values = batch();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mixed = mixing.mix(&mut values, (2, 3), &mut rng).expect("mixed");
        let original = batch();
        assert_ne!(
            mixed.partner,
            vec![0, 1, 2],
            "this seed pairs different images"
        );
        assert!(
            mixed.lambda > 0.01 && mixed.lambda < 0.99,
            "λ {}",
            mixed.lambda
        );
        assert_ne!(values, original);
        let mut sorted = mixed.partner.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2], "partners are a permutation");
        for (row, &other) in mixed.partner.iter().enumerate() {
            for p in 0..6 {
                let expected = mixed.lambda * original[row * 6 + p]
                    + (1.0 - mixed.lambda) * original[other * 6 + p];
                assert!((values[row * 6 + p] - expected).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn cutmix_pastes_one_box_whose_area_sets_lambda() {
        let mixing = BatchMixing {
            mixup_alpha: 0.0,
            cutmix_alpha: 1.0,
        };
        let (height, width) = (16, 16);
        let mut saw_a_box = false;
        for seed in 0..20 {
            let original: Vec<f32> = (0..4 * height * width).map(|v| v as f32).collect();
            let mut values = original.clone();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mixed = mixing
                .mix(&mut values, (height, width), &mut rng)
                .expect("mixed");
            let pixels = height * width;
            for (row, &other) in mixed.partner.iter().enumerate() {
                // Every pixel is its own or the partner's at the same place.
                let pasted: Vec<usize> = (0..pixels)
                    .filter(|&p| values[row * pixels + p] != original[row * pixels + p])
                    .collect();
                for &p in &pasted {
                    assert_eq!(values[row * pixels + p], original[other * pixels + p]);
                }
                if other != row {
                    let share = 1.0 - pasted.len() as f32 / pixels as f32;
                    assert!((share - mixed.lambda).abs() < 1e-6, "{share} vs λ");
                    saw_a_box |= !pasted.is_empty();
                    // The pasted pixels fill the rectangle that bounds them.
                    if !pasted.is_empty() {
                        let rows = pasted.iter().map(|p| p / width);
                        let cols = pasted.iter().map(|p| p % width);
                        let (r0, r1) = (rows.clone().min(), rows.max());
                        let (c0, c1) = (cols.clone().min(), cols.max());
                        let (Some(r0), Some(r1), Some(c0), Some(c1)) = (r0, r1, c0, c1) else {
                            unreachable!("not empty")
                        };
                        assert_eq!(pasted.len(), (r1 - r0 + 1) * (c1 - c0 + 1));
                    }
                }
            }
        }
        assert!(saw_a_box);
    }

    #[test]
    fn no_mixing_when_off_or_alone() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut values = batch();
        assert!(
            BatchMixing::default()
                .mix(&mut values, (2, 3), &mut rng)
                .is_none()
        );
        assert_eq!(values, batch());
        let mut one = vec![0.5; 6];
        let mixup = BatchMixing {
            mixup_alpha: 1.0,
            cutmix_alpha: 0.0,
        };
        assert!(mixup.mix(&mut one, (2, 3), &mut rng).is_none());
    }

    #[test]
    fn cutmix_box_sides_follow_the_square_root_of_the_beta_draw() {
        // α = 1: λ ~ U(0, 1) sets sides √(1 − λ) with a uniform centre; clipping at the edges
        // makes the mean kept share 1 − E[(r − r²/4)²] with r² ~ U(0, 1), that is 0.679
        // (sides 1 − λ instead of √(1 − λ) would give 0.779).
        let mixing = BatchMixing {
            mixup_alpha: 0.0,
            cutmix_alpha: 1.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let (size, draws) = (64, 4000);
        let mut sum = 0.0f64;
        for _ in 0..draws {
            let mut values = vec![0.0f32; 2 * size * size];
            let mixed = mixing
                .mix(&mut values, (size, size), &mut rng)
                .expect("mixed");
            sum += f64::from(mixed.lambda);
        }
        let mean = sum / f64::from(draws);
        assert!((mean - 0.679).abs() < 0.02, "mean kept share {mean}");
    }
}
