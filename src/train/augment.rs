//! Data augmentation applied while batches are assembled (a data-loading step on the CPU):
//! random shifts by up to a few pixels (edges replicated), small brightness and contrast
//! changes, and left–right flips where anatomy allows it.

use rand::Rng;

/// How to augment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Augmentation {
    /// Largest shift in pixels, in each direction.
    pub max_shift: usize,
    /// Largest relative brightness / contrast change (0.1 = ±10 %).
    pub intensity: f32,
    /// Whether left–right flips are allowed (not for chest X-rays: the heart is on the left).
    pub flip: bool,
}

impl Augmentation {
    /// Describes itself for the model card.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "random shift ±{} px (edge replicate), brightness and contrast ±{:.0}%{}",
            self.max_shift,
            100.0 * self.intensity,
            if self.flip { ", left-right flip" } else { "" }
        )
    }

    /// Augments one `height × width` image in [0, 1].
    pub fn apply(
        &self,
        image: &[f32],
        height: usize,
        width: usize,
        rng: &mut impl Rng,
    ) -> Vec<f32> {
        let shift = self.max_shift as i64;
        let (dy, dx) = if shift > 0 {
            (
                rng.random_range(-shift..=shift),
                rng.random_range(-shift..=shift),
            )
        } else {
            (0, 0)
        };
        let flip = self.flip && rng.random_bool(0.5);
        let (gain, offset) = if self.intensity > 0.0 {
            (
                1.0 + rng.random_range(-self.intensity..self.intensity),
                rng.random_range(-self.intensity..self.intensity) * 0.5,
            )
        } else {
            (1.0, 0.0)
        };
        let mut out = Vec::with_capacity(height * width);
        for y in 0..height as i64 {
            let source_y = (y - dy).clamp(0, height as i64 - 1) as usize;
            for x in 0..width as i64 {
                let flipped_x = if flip { width as i64 - 1 - x } else { x };
                let source_x = (flipped_x - dx).clamp(0, width as i64 - 1) as usize;
                let value = image[source_y * width + source_x];
                let adjusted = if self.intensity > 0.0 {
                    (value - 0.5) * gain + 0.5 + offset
                } else {
                    value
                };
                out.push(adjusted.clamp(0.0, 1.0));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn no_augmentation_is_the_identity_and_output_stays_in_range() {
        let image: Vec<f32> = (0..16).map(|v| v as f32 / 15.0).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let none = Augmentation {
            max_shift: 0,
            intensity: 0.0,
            flip: false,
        };
        assert_eq!(none.apply(&image, 4, 4, &mut rng), image);
        let strong = Augmentation {
            max_shift: 2,
            intensity: 0.3,
            flip: true,
        };
        for _ in 0..20 {
            assert!(
                strong
                    .apply(&image, 4, 4, &mut rng)
                    .iter()
                    .all(|v| (0.0..=1.0).contains(v))
            );
        }
    }
}
