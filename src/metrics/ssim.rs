//! SSIM (Wang et al. 2004): 11×11 Gaussian window with σ = 1.5, K1 = 0.01, K2 = 0.03, data
//! range 1, averaged over the window positions that fit inside the image ("valid"), as in the
//! authors' reference code.

use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};

use super::{MetricsError, scalar};

const WINDOW: usize = 11;
const SIGMA: f64 = 1.5;
const C1: f64 = 0.01 * 0.01;
const C2: f64 = 0.03 * 0.03;

/// The normalised 2-D Gaussian window, `[1, 1, 11, 11]`.
fn gaussian_window(device: &Device) -> Tensor<4> {
    let centre = (WINDOW / 2) as f64;
    let line: Vec<f64> = (0..WINDOW)
        .map(|i| (-((i as f64 - centre).powi(2)) / (2.0 * SIGMA * SIGMA)).exp())
        .collect();
    let total: f64 = line.iter().sum();
    let mut values = Vec::with_capacity(WINDOW * WINDOW);
    for a in &line {
        for b in &line {
            values.push((a * b / (total * total)) as f32);
        }
    }
    Tensor::from_data(TensorData::new(values, [1, 1, WINDOW, WINDOW]), device)
}

/// Mean SSIM of two single-channel images (first of the batch). Images smaller than the
/// window are compared with one global window.
///
/// # Errors
/// [`MetricsError::ReadBack`].
pub fn ssim(a: &Tensor<4>, b: &Tensor<4>) -> Result<f64, MetricsError> {
    let [_, _, height, width] = a.dims();
    if height < WINDOW || width < WINDOW {
        return global_ssim(a, b);
    }
    let window = gaussian_window(&a.device());
    let filter = |x: Tensor<4>| {
        conv2d(
            x,
            window.clone(),
            None,
            ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
        )
    };
    let (a, b) = (
        a.clone().slice([0..1, 0..1, 0..height, 0..width]),
        b.clone().slice([0..1, 0..1, 0..height, 0..width]),
    );
    let mu_a = filter(a.clone());
    let mu_b = filter(b.clone());
    let var_a = filter(a.clone().powi_scalar(2)).sub(mu_a.clone().powi_scalar(2));
    let var_b = filter(b.clone().powi_scalar(2)).sub(mu_b.clone().powi_scalar(2));
    let covariance = filter(a.mul(b)).sub(mu_a.clone().mul(mu_b.clone()));
    let numerator = mu_a
        .clone()
        .mul(mu_b.clone())
        .mul_scalar(2.0)
        .add_scalar(C1)
        .mul(covariance.mul_scalar(2.0).add_scalar(C2));
    let denominator = mu_a
        .powi_scalar(2)
        .add(mu_b.powi_scalar(2))
        .add_scalar(C1)
        .mul(var_a.add(var_b).add_scalar(C2));
    scalar(numerator.div(denominator).mean())
}

fn global_ssim(a: &Tensor<4>, b: &Tensor<4>) -> Result<f64, MetricsError> {
    let mean_a = scalar(a.clone().mean())?;
    let mean_b = scalar(b.clone().mean())?;
    let var_a = scalar(a.clone().sub_scalar(mean_a).powi_scalar(2).mean())?;
    let var_b = scalar(b.clone().sub_scalar(mean_b).powi_scalar(2).mean())?;
    let covariance = scalar(
        a.clone()
            .sub_scalar(mean_a)
            .mul(b.clone().sub_scalar(mean_b))
            .mean(),
    )?;
    Ok(((2.0 * mean_a * mean_b + C1) * (2.0 * covariance + C2))
        / ((mean_a * mean_a + mean_b * mean_b + C1) * (var_a + var_b + C2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Straightforward CPU SSIM with the same window, for comparison.
    fn reference_ssim(a: &[f32], b: &[f32], size: usize) -> f64 {
        let centre = (WINDOW / 2) as f64;
        let line: Vec<f64> = (0..WINDOW)
            .map(|i| (-((i as f64 - centre).powi(2)) / (2.0 * SIGMA * SIGMA)).exp())
            .collect();
        let total: f64 = line.iter().sum();
        let out = size - WINDOW + 1;
        let mut sum = 0.0;
        for y in 0..out {
            for x in 0..out {
                let (mut ma, mut mb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
                for j in 0..WINDOW {
                    for i in 0..WINDOW {
                        let w = line[j] * line[i] / (total * total);
                        let (va, vb) = (
                            f64::from(a[(y + j) * size + x + i]),
                            f64::from(b[(y + j) * size + x + i]),
                        );
                        ma += w * va;
                        mb += w * vb;
                        saa += w * va * va;
                        sbb += w * vb * vb;
                        sab += w * va * vb;
                    }
                }
                let (va, vb, cov) = (saa - ma * ma, sbb - mb * mb, sab - ma * mb);
                sum += ((2.0 * ma * mb + C1) * (2.0 * cov + C2))
                    / ((ma * ma + mb * mb + C1) * (va + vb + C2));
            }
        }
        sum / (out * out) as f64
    }

    #[test]
    fn identical_images_score_one_and_noise_lowers_it_as_the_reference_does() {
        let size = 24;
        let device = Device::flex();
        let a: Vec<f32> = (0..size * size)
            .map(|i| ((i * 37 % 101) as f32) / 100.0)
            .collect();
        let b: Vec<f32> = a
            .iter()
            .enumerate()
            .map(|(i, v)| (v + if i % 3 == 0 { 0.1 } else { -0.05 }).clamp(0.0, 1.0))
            .collect();
        let ta = Tensor::<4>::from_data(TensorData::new(a.clone(), [1, 1, size, size]), &device);
        let tb = Tensor::<4>::from_data(TensorData::new(b.clone(), [1, 1, size, size]), &device);
        assert!((ssim(&ta, &ta).unwrap() - 1.0).abs() < 1e-5);
        let ours = ssim(&ta, &tb).unwrap();
        let reference = reference_ssim(&a, &b, size);
        assert!(ours < 0.99);
        assert!((ours - reference).abs() < 1e-4, "{ours} vs {reference}");
    }
}
