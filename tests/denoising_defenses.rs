//! Known answers for the denoising and randomized defences: TV and wavelet denoising lower
//! total variation and keep flat images flat, the Haar transform reconstructs exactly when
//! nothing is thresholded, pixel deflection moves only the pixels it draws and only within its
//! window, MedRDF and smoothing votes are proper vote shares, and a smoothing certificate is
//! the one Cohen et al.'s formula gives for the votes counted.

mod common;

use advlens::defenses::{
    DefenseConfig, DefenseKind, certify, defended_input, defended_predict, deflection_map,
    pixel_deflection, total_variation, tv_denoise, wavelet_denoise,
};
use burn::tensor::{Device, Tensor, TensorData};
use common::{host, test_image, tiny_models};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn noisy_image(size: usize, seed: u64) -> Tensor<4> {
    let clean = host(&test_image(size));
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let values: Vec<f32> = clean
        .iter()
        .map(|v| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let noise = ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5;
            (v + 0.2 * noise).clamp(0.0, 1.0)
        })
        .collect();
    Tensor::from_data(TensorData::new(values, [1, 1, size, size]), &Device::flex())
}

fn tv_of(image: &Tensor<4>) -> f32 {
    total_variation(image)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap()[0]
}

#[test]
fn tv_denoising_lowers_total_variation_more_with_a_larger_weight() {
    let noisy = noisy_image(32, 1);
    let before = tv_of(&noisy);
    let light = tv_of(&tv_denoise(&noisy, 0.02, 50));
    let strong = tv_of(&tv_denoise(&noisy, 0.2, 50));
    assert!(light < 0.8 * before, "{light} vs {before}");
    assert!(strong < light, "{strong} vs {light}");
    // The mean is preserved (the divergence sums to zero).
    let mean = |t: &Tensor<4>| host(t).iter().sum::<f32>() / 1024.0;
    assert!((mean(&noisy) - mean(&tv_denoise(&noisy, 0.2, 50))).abs() < 1e-4);
}

#[test]
fn flat_images_stay_flat() {
    let flat = Tensor::<4>::full([2, 1, 24, 24], 0.3, &Device::flex());
    for output in [tv_denoise(&flat, 0.1, 20), wavelet_denoise(&flat, 3, 0.0)] {
        assert!(host(&output).iter().all(|v| (v - 0.3).abs() < 1e-5));
        assert_eq!(output.dims(), [2, 1, 24, 24]);
    }
}

#[test]
fn haar_reconstructs_exactly_without_thresholding_and_denoises_with_it() {
    let noisy = noisy_image(30, 2); // 30 is not a multiple of 8: padding and cropping
    let kept = wavelet_denoise(&noisy, 3, 1e-9);
    let difference = host(&kept)
        .iter()
        .zip(host(&noisy))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(difference < 1e-5, "{difference}");
    let denoised = wavelet_denoise(&noisy, 3, 0.0);
    assert!(tv_of(&denoised) < tv_of(&noisy));
    let clean = host(&test_image(30));
    let error = |image: &Tensor<4>| {
        host(image)
            .iter()
            .zip(&clean)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f32>()
    };
    assert!(
        error(&denoised) < 0.8 * error(&noisy),
        "{} vs {}",
        error(&denoised),
        error(&noisy)
    );
}

#[test]
fn deflection_moves_only_drawn_pixels_within_the_window() {
    let (height, width, deflections, window) = (20, 24, 30, 3);
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let map = deflection_map(height, width, deflections, window, &mut rng);
    let moved: Vec<usize> = (0..map.len()).filter(|&i| map[i] != i as i64).collect();
    assert!(!moved.is_empty() && moved.len() <= deflections);
    for index in moved {
        let source = map[index] as usize;
        let (row, column) = (index / width, index % width);
        let (source_row, source_column) = (source / width, source % width);
        assert!(row.abs_diff(source_row) <= window && column.abs_diff(source_column) <= window);
    }
    let image = test_image(32);
    let a = host(&pixel_deflection(&image, 50, 4, 9, 0));
    let again = host(&pixel_deflection(&image, 50, 4, 9, 0));
    let other_draw = host(&pixel_deflection(&image, 50, 4, 9, 1));
    assert_eq!(a, again, "a draw is reproducible");
    assert_ne!(a, other_draw, "another draw differs");
}

#[test]
fn smoothing_noise_is_not_clipped_but_shown_clipped() {
    let image = test_image(32);
    let mut config = DefenseConfig::new(DefenseKind::Smoothing);
    config.smoothing.sigma = 0.5;
    let seen = host(&defended_input(&image, &config, 3).unwrap());
    assert!(seen.iter().any(|v| !(0.0..=1.0).contains(v)));
    let shown = host(&advlens::defenses::apply_defense(&image, &config).unwrap());
    assert!(shown.iter().all(|v| (0.0..=1.0).contains(v)));
}

#[test]
fn votes_are_vote_shares_and_certificates_follow_the_counts() {
    let models = tiny_models(3, 11);
    let images = Tensor::cat(vec![test_image(32), noisy_image(32, 4)], 0);
    let mut medrdf = DefenseConfig::new(DefenseKind::MedRdf);
    medrdf.medrdf.copies = 7;
    let voted = defended_predict(&models.inference, &images, &medrdf).unwrap();
    for row in &voted.probabilities {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(
            row.iter()
                .all(|p| ((p * 7.0) - (p * 7.0).round()).abs() < 1e-4)
        );
    }
    let mut smoothing = DefenseConfig::new(DefenseKind::Smoothing);
    smoothing.smoothing.samples = 60;
    smoothing.smoothing.selection = 10;
    let smoothed = defended_predict(&models.inference, &images, &smoothing).unwrap();
    for (row, certificate) in smoothed.probabilities.iter().zip(&smoothed.certificates) {
        let certificate = certificate.expect("smoothing certifies every image");
        assert_eq!(certificate.samples, 60);
        let top = certificate.class.unwrap_or_else(|| {
            row.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0
        });
        let expected = certify(
            top,
            certificate.votes,
            60,
            f64::from(smoothing.smoothing.sigma),
            smoothing.smoothing.alpha,
        );
        if certificate.class.is_some() {
            assert_eq!(certificate, expected);
            assert!((row[top] * 60.0 - certificate.votes as f32).abs() < 1e-3);
        } else {
            assert_eq!(certificate.radius, 0.0);
        }
    }
}
