//! Data augmentation applied while batches are assembled (a data-loading step on the CPU):
//! random shifts, small rotations and zooms (bilinear, edges replicated), gamma, brightness and
//! contrast changes, left–right flips where anatomy allows it, horizontal stretching (the chest
//! set's films were squashed to square by a per-image factor, so width is not a cue to learn),
//! Gaussian blur, and Gaussian noise (Cohen et al. 2019: a base model for randomized smoothing
//! is trained with the noise that smoothing adds).

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
    /// Largest rotation in degrees, either way.
    pub max_rotation_deg: f32,
    /// Largest relative zoom (0.1 = 90 %–110 %).
    pub max_zoom: f32,
    /// Largest gamma change (0.2 = γ in [1/1.2, 1.2]).
    pub gamma: f32,
    /// Standard deviation of Gaussian noise added to every pixel last, then clipped to [0, 1]
    /// as the smoothing defence's noisy copies are; 0 for none.
    pub noise_sigma: f32,
    /// The share of images that get the noise (1 = all, as Cohen et al.; less keeps clean
    /// scans in every batch, so that a model for a scan set with black background — where
    /// noise clipped at 0 greys the background — still knows clean scans).
    pub noise_fraction: f32,
    /// Largest extra horizontal stretch on top of the zoom (0.2 = width ×0.8–×1.2); 0 for none.
    pub stretch: f32,
    /// Largest Gaussian blur σ in pixels, drawn uniformly and applied to half of the images;
    /// 0 for none.
    pub blur: f32,
}

impl Augmentation {
    /// Describes itself for the model card.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "random shift ±{} px, rotation ±{}°, zoom ±{:.0}% (bilinear, edge replicate), gamma ×/÷{}, brightness and contrast ±{:.0}%{}{}{}{}",
            self.max_shift,
            self.max_rotation_deg,
            100.0 * self.max_zoom,
            1.0 + self.gamma,
            100.0 * self.intensity,
            if self.flip { ", left-right flip" } else { "" },
            if self.stretch > 0.0 {
                format!(", horizontal stretch ±{:.0}%", 100.0 * self.stretch)
            } else {
                String::new()
            },
            if self.blur > 0.0 {
                format!(", Gaussian blur σ ≤ {} px on half of the images", self.blur)
            } else {
                String::new()
            },
            if self.noise_sigma > 0.0 && self.noise_fraction < 1.0 {
                format!(
                    ", Gaussian noise σ = {} (clipped to [0, 1]) on {:.0}% of the images",
                    self.noise_sigma,
                    100.0 * self.noise_fraction
                )
            } else if self.noise_sigma > 0.0 {
                format!(
                    ", Gaussian noise σ = {} (clipped to [0, 1])",
                    self.noise_sigma
                )
            } else {
                String::new()
            }
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
        let shift = self.max_shift as f32;
        let mut draw = |limit: f32| {
            if limit > 0.0 {
                rng.random_range(-limit..=limit)
            } else {
                0.0
            }
        };
        let (dy, dx) = (draw(shift).round(), draw(shift).round());
        let angle = draw(self.max_rotation_deg).to_radians();
        let zoom = 1.0 + draw(self.max_zoom);
        let gamma = (1.0 + self.gamma).powf(draw(1.0));
        let gain = 1.0 + draw(self.intensity);
        let offset = draw(self.intensity) * 0.5;
        // Drawn only when asked for, so that runs without them replay the same random stream.
        let x_zoom = zoom * (1.0 + draw(self.stretch));
        let flip = self.flip && rng.random_bool(0.5);
        let blur_sigma = if self.blur > 0.0 && rng.random_bool(0.5) {
            rng.random_range(0.0..=self.blur)
        } else {
            0.0
        };
        let (sin, cos) = angle.sin_cos();
        let (cx, cy) = ((width as f32 - 1.0) / 2.0, (height as f32 - 1.0) / 2.0);
        let mut out = Vec::with_capacity(height * width);
        for y in 0..height {
            for x in 0..width {
                let xf = if flip {
                    (width - 1 - x) as f32
                } else {
                    x as f32
                };
                let (px, py) = (xf - cx - dx, y as f32 - cy - dy);
                let u = cx + (px * cos + py * sin) / x_zoom;
                let v = cy + (-px * sin + py * cos) / zoom;
                out.push(bilinear(image, width, height, u, v));
            }
        }
        if blur_sigma > 0.0 {
            gaussian_blur(&mut out, height, width, blur_sigma);
        }
        if self.intensity > 0.0 || self.gamma > 0.0 {
            for value in &mut out {
                *value = (value.clamp(0.0, 1.0).powf(gamma) - 0.5) * gain + 0.5 + offset;
            }
        }
        for value in &mut out {
            *value = value.clamp(0.0, 1.0);
        }
        // The share is drawn only when it is below 1, so that runs with all images noisy
        // replay the random stream of earlier versions.
        if self.noise_sigma > 0.0
            && (self.noise_fraction >= 1.0
                || rng.random_bool(f64::from(self.noise_fraction.max(0.0))))
        {
            add_gaussian_noise(&mut out, self.noise_sigma, rng);
        }
        out
    }

    /// No augmentation at all.
    #[must_use]
    pub fn none() -> Self {
        Self {
            max_shift: 0,
            intensity: 0.0,
            flip: false,
            max_rotation_deg: 0.0,
            max_zoom: 0.0,
            gamma: 0.0,
            noise_sigma: 0.0,
            noise_fraction: 1.0,
            stretch: 0.0,
            blur: 0.0,
        }
    }
}

/// Blurs a `height × width` image in place with a separable Gaussian of `sigma` pixels (kernel
/// radius ⌈3σ⌉, edges replicated).
fn gaussian_blur(values: &mut [f32], height: usize, width: usize, sigma: f32) {
    let radius = (3.0 * sigma).ceil().max(1.0) as isize;
    let kernel: Vec<f32> = (-radius..=radius)
        .map(|k| (-((k * k) as f32) / (2.0 * sigma * sigma)).exp())
        .collect();
    let total: f32 = kernel.iter().sum();
    let kernel: Vec<f32> = kernel.iter().map(|k| k / total).collect();
    let mut scratch = vec![0.0f32; values.len()];
    let clamp = |i: isize, n: usize| i.clamp(0, n as isize - 1) as usize;
    for y in 0..height {
        for x in 0..width {
            scratch[y * width + x] = kernel
                .iter()
                .zip(-radius..)
                .map(|(k, d)| k * values[y * width + clamp(x as isize + d, width)])
                .sum();
        }
    }
    for y in 0..height {
        for x in 0..width {
            values[y * width + x] = kernel
                .iter()
                .zip(-radius..)
                .map(|(k, d)| k * scratch[clamp(y as isize + d, height) * width + x])
                .sum();
        }
    }
}

/// Adds N(0, σ²) to every value (Box–Muller) and clips to [0, 1].
fn add_gaussian_noise(values: &mut [f32], sigma: f32, rng: &mut impl Rng) {
    for pair in values.chunks_mut(2) {
        let u1: f32 = rng.random_range(f32::MIN_POSITIVE..1.0);
        let u2: f32 = rng.random_range(0.0..1.0);
        let radius = (-2.0 * u1.ln()).sqrt() * sigma;
        let angle = std::f32::consts::TAU * u2;
        let noise = [radius * angle.cos(), radius * angle.sin()];
        for (value, delta) in pair.iter_mut().zip(noise) {
            *value = (*value + delta).clamp(0.0, 1.0);
        }
    }
}

/// Bilinear sample with edges replicated.
pub(crate) fn bilinear(image: &[f32], width: usize, height: usize, u: f32, v: f32) -> f32 {
    let u = u.clamp(0.0, width as f32 - 1.0);
    let v = v.clamp(0.0, height as f32 - 1.0);
    let (x0, y0) = (u.floor() as usize, v.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(width - 1), (y0 + 1).min(height - 1));
    let (tx, ty) = (u - x0 as f32, v - y0 as f32);
    if tx == 0.0 && ty == 0.0 {
        return image[y0 * width + x0];
    }
    let top = image[y0 * width + x0] * (1.0 - tx) + image[y0 * width + x1] * tx;
    let bottom = image[y1 * width + x0] * (1.0 - tx) + image[y1 * width + x1] * tx;
    top * (1.0 - ty) + bottom * ty
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn no_augmentation_is_the_identity_and_output_stays_in_range() {
        let image: Vec<f32> = (0..16).map(|v| v as f32 / 15.0).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        assert_eq!(Augmentation::none().apply(&image, 4, 4, &mut rng), image);
        let strong = Augmentation {
            max_shift: 2,
            intensity: 0.3,
            flip: true,
            max_rotation_deg: 10.0,
            max_zoom: 0.1,
            gamma: 0.3,
            noise_sigma: 0.1,
            noise_fraction: 0.5,
            stretch: 0.2,
            blur: 1.5,
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

    #[test]
    fn blur_keeps_flat_images_and_the_mean_and_smooths_an_edge() {
        let flat = vec![0.3f32; 64];
        let mut blurred = flat.clone();
        gaussian_blur(&mut blurred, 8, 8, 1.2);
        assert!(blurred.iter().all(|v| (v - 0.3).abs() < 1e-6));
        // A vertical edge: columns 0–3 dark, 4–7 bright.
        let edge: Vec<f32> = (0..64).map(|i| if i % 8 < 4 { 0.0 } else { 1.0 }).collect();
        let mut smooth = edge.clone();
        gaussian_blur(&mut smooth, 8, 8, 1.0);
        assert!(smooth[3] > 0.05 && smooth[4] < 0.95, "{:?}", &smooth[..8]);
        assert!(
            (smooth[3] + smooth[4] - 1.0).abs() < 1e-5,
            "symmetric about the edge"
        );
        assert!(smooth.iter().all(|v| (0.0..=1.0).contains(v)));
    }

    #[test]
    fn stretch_changes_width_only() {
        // A bright centre column stays centred and full height under a pure horizontal stretch.
        let (h, w) = (9, 9);
        let image: Vec<f32> = (0..h * w)
            .map(|i| if i % w == 4 { 1.0 } else { 0.0 })
            .collect();
        let stretch = Augmentation {
            stretch: 0.5,
            ..Augmentation::none()
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..10 {
            let out = stretch.apply(&image, h, w, &mut rng);
            for y in 0..h {
                assert!((out[y * w + 4] - 1.0).abs() < 1e-6);
                assert_eq!(out[y * w], 0.0);
                assert_eq!(out[y * w..(y + 1) * w], out[..w], "every row alike");
            }
        }
    }

    #[test]
    fn gaussian_noise_has_the_requested_spread() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut values = vec![0.5f32; 20_000];
        add_gaussian_noise(&mut values, 0.1, &mut rng);
        let mean = values.iter().sum::<f32>() / values.len() as f32;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / values.len() as f32;
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
        assert!(
            (variance.sqrt() - 0.1).abs() < 0.005,
            "std {}",
            variance.sqrt()
        );
        assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
