//! Augmentation of an image and its mask together: the same random shift, rotation, zoom and
//! left–right flip move both (the image sampled bilinearly with edges replicated, the mask
//! bilinearly then cut at ½, so its border stays sharp); brightness, contrast and gamma change
//! the image only.

use rand::Rng;

use crate::train::bilinear;

/// How to augment image–mask pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairAugmentation {
    /// Largest shift in pixels, in each direction.
    pub max_shift: usize,
    /// Largest rotation in degrees, either way.
    pub max_rotation_deg: f32,
    /// Largest relative zoom (0.1 = 90 %–110 %).
    pub max_zoom: f32,
    /// Whether left–right flips are allowed.
    pub flip: bool,
    /// Largest relative brightness / contrast change.
    pub intensity: f32,
    /// Largest gamma change (0.2 = γ in [1/1.2, 1.2]).
    pub gamma: f32,
}

impl PairAugmentation {
    /// Describes itself for the model card.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "image and mask together: random shift ±{} px, rotation ±{}°, zoom ±{:.0}%{}; image only: brightness and contrast ±{:.0}%, gamma ×/÷{}",
            self.max_shift,
            self.max_rotation_deg,
            100.0 * self.max_zoom,
            if self.flip { ", left-right flip" } else { "" },
            100.0 * self.intensity,
            1.0 + self.gamma
        )
    }

    /// Augments one `height × width` image in [0, 1] and its 0/1 mask alike.
    pub fn apply(
        &self,
        image: &[f32],
        mask: &[f32],
        [height, width]: [usize; 2],
        rng: &mut impl Rng,
    ) -> (Vec<f32>, Vec<f32>) {
        let mut draw = |limit: f32| {
            if limit > 0.0 {
                rng.random_range(-limit..=limit)
            } else {
                0.0
            }
        };
        let shift = self.max_shift as f32;
        let (dy, dx) = (draw(shift).round(), draw(shift).round());
        let angle = draw(self.max_rotation_deg).to_radians();
        let zoom = 1.0 + draw(self.max_zoom);
        let gamma = (1.0 + self.gamma).powf(draw(1.0));
        let gain = 1.0 + draw(self.intensity);
        let offset = draw(self.intensity) * 0.5;
        let flip = self.flip && rng.random_bool(0.5);
        let (sin, cos) = angle.sin_cos();
        let (cx, cy) = ((width as f32 - 1.0) / 2.0, (height as f32 - 1.0) / 2.0);
        let mut out_image = Vec::with_capacity(height * width);
        let mut out_mask = Vec::with_capacity(height * width);
        for y in 0..height {
            for x in 0..width {
                let xf = if flip {
                    (width - 1 - x) as f32
                } else {
                    x as f32
                };
                let (px, py) = (xf - cx - dx, y as f32 - cy - dy);
                let u = cx + (px * cos + py * sin) / zoom;
                let v = cy + (-px * sin + py * cos) / zoom;
                let value = bilinear(image, width, height, u, v).clamp(0.0, 1.0);
                out_image.push(((value.powf(gamma) - 0.5) * gain + 0.5 + offset).clamp(0.0, 1.0));
                let inside = bilinear(mask, width, height, u, v) >= 0.5;
                out_mask.push(if inside { 1.0 } else { 0.0 });
            }
        }
        (out_image, out_mask)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn a_shift_moves_the_image_and_the_mask_alike() {
        // A bright square on black with its mask; a pure shift (no rotation, zoom, flip or
        // intensity change) must leave the mask exactly where the bright pixels went.
        let (h, w) = (24, 24);
        let mut image = vec![0.0f32; h * w];
        let mut mask = vec![0.0f32; h * w];
        for y in 8..14 {
            for x in 9..15 {
                image[y * w + x] = 1.0;
                mask[y * w + x] = 1.0;
            }
        }
        let augmentation = PairAugmentation {
            max_shift: 4,
            max_rotation_deg: 0.0,
            max_zoom: 0.0,
            flip: true,
            intensity: 0.0,
            gamma: 0.0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..8 {
            let (out_image, out_mask) = augmentation.apply(&image, &mask, [h, w], &mut rng);
            assert_eq!(out_mask.iter().sum::<f32>(), 36.0);
            for (i, m) in out_image.iter().zip(&out_mask) {
                assert_eq!(*i >= 0.5, *m == 1.0);
            }
        }
    }
}
