//! The new attacks against the shipped chest CNN on the six bundled chest X-rays (labelled with
//! the model's clean predictions, so every scan starts correct): each flips every scan within
//! the budget docs/attacks.md documents; at equal success C&W's perturbation is smaller in L2
//! than PGD-L2's (at the first radius of a grid where PGD-L2 flips the scan); APGD's robust
//! accuracy is never above PGD-20's at the same ε; the maximal JSMA flips every scan within
//! its pixel budget.

mod common;

use std::path::Path;

use advlens::attacks::{
    AttackConfig, AttackControl, AttackKind, Norm, predicted_class, probabilities, run_attack,
};
use advlens::device::ComputeDevice;
use advlens::imaging::{LoadOptions, load_scan, model_input_from_scan};
use advlens::models::{LoadedModel, load_shipped};
use burn::tensor::{Tensor, TensorData};

/// The documented budgets (docs/attacks.md): every one of these flips all six samples.
const FLIP_EPSILON: f64 = 2.0 / 255.0;
const SQUARE_EPSILON: f64 = 8.0 / 255.0;
const SQUARE_QUERIES: usize = 1500;
const SQUARE_L2_RADIUS: f64 = 2.0;
const SQUARE_L2_QUERIES: usize = 2500;

fn chest_model() -> LoadedModel {
    load_shipped("chest-xray-cnn", &ComputeDevice::cpu().device).unwrap()
}

/// The six bundled chest X-rays as one batch, with the model's clean predictions.
fn samples(model: &LoadedModel) -> (Tensor<4>, Vec<usize>) {
    let size = model.card.spec.input_size;
    let device = ComputeDevice::cpu().device;
    let mut pixels = Vec::new();
    for name in common::CHEST_SAMPLES {
        let scan = load_scan(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("sample_data")
                .join(format!("chest_xray_{name}.png")),
            &LoadOptions::default(),
        )
        .unwrap();
        pixels.extend(common::host(&model_input_from_scan(&scan, size, &device)));
    }
    let batch = Tensor::from_data(
        TensorData::new(pixels, [common::CHEST_SAMPLES.len(), 1, size, size]),
        &device,
    );
    let labels = predictions(model, &batch);
    (batch, labels)
}

fn predictions(model: &LoadedModel, images: &Tensor<4>) -> Vec<usize> {
    probabilities(&model.models, images)
        .unwrap()
        .iter()
        .map(|row| predicted_class(row))
        .collect()
}

fn attack(
    model: &LoadedModel,
    images: &Tensor<4>,
    labels: &[usize],
    config: &AttackConfig,
) -> Tensor<4> {
    run_attack(
        &model.models,
        images,
        labels,
        false,
        config,
        &AttackControl::default(),
    )
    .unwrap()
    .adversarial
}

fn still_right(model: &LoadedModel, images: &Tensor<4>, labels: &[usize]) -> Vec<bool> {
    predictions(model, images)
        .iter()
        .zip(labels)
        .map(|(p, l)| p == l)
        .collect()
}

fn l2_sizes(clean: &Tensor<4>, adversarial: &Tensor<4>) -> Vec<f64> {
    common::perturbation_sizes(
        &common::host(adversarial),
        &common::host(clean),
        clean.dims()[2] * clean.dims()[3],
        Norm::L2,
    )
}

#[test]
fn every_new_attack_flips_every_sample_within_its_documented_budget() {
    let model = chest_model();
    let (images, labels) = samples(&model);
    let configs = [
        AttackConfig::new(AttackKind::ApgdCe, FLIP_EPSILON).with_steps(20),
        AttackConfig::new(AttackKind::ApgdDlr, FLIP_EPSILON).with_steps(20),
        AttackConfig::new(AttackKind::AutoAttack, FLIP_EPSILON)
            .with_steps(20)
            .with_queries(SQUARE_QUERIES),
        AttackConfig::new(AttackKind::Square, SQUARE_EPSILON).with_queries(SQUARE_QUERIES),
        AttackConfig::new(AttackKind::Square, SQUARE_L2_RADIUS)
            .with_norm(Norm::L2)
            .with_queries(SQUARE_L2_QUERIES),
        AttackConfig::new(AttackKind::DeepFool, 0.0).with_norm(Norm::Linf),
        AttackConfig::new(AttackKind::DeepFool, 0.0).with_norm(Norm::L2),
        AttackConfig::new(AttackKind::CarliniWagner, 0.0)
            .with_steps(50)
            .with_search(3, 1.0),
    ];
    for config in configs {
        let adversarial = attack(&model, &images, &labels, &config);
        let right = still_right(&model, &adversarial, &labels);
        assert!(
            right.iter().all(|r| !r),
            "{} left some samples correct: {right:?}",
            config.describe()
        );
    }
}

#[test]
fn carlini_wagner_needs_less_l2_than_pgd_l2() {
    let model = chest_model();
    let (images, labels) = samples(&model);
    // The defaults a user gets: 5 searches over c × 100 Adam steps.
    let cw = AttackConfig::new(AttackKind::CarliniWagner, 0.0);
    let cw_adversarial = attack(&model, &images, &labels, &cw);
    let cw_flipped = still_right(&model, &cw_adversarial, &labels);
    let cw_sizes = l2_sizes(&images, &cw_adversarial);
    // Per image, PGD-L2's perturbation at the first radius of a grid that flips it. (The
    // chest CNN is so fragile that PGD-L2 flips image 0 at radius 0.0186, found by
    // bisection; C&W's Adam comes within about 15 % of it, DeepFool within 2 %: see
    // docs/attacks.md.)
    let mut pgd_sizes = vec![None; labels.len()];
    for radius in [0.05, 0.1, 0.25, 0.5, 1.0, 2.0] {
        let config = AttackConfig::new(AttackKind::PgdL2, radius).with_steps(20);
        let adversarial = attack(&model, &images, &labels, &config);
        let right = still_right(&model, &adversarial, &labels);
        let sizes = l2_sizes(&images, &adversarial);
        for image in 0..labels.len() {
            if !right[image] && pgd_sizes[image].is_none() {
                pgd_sizes[image] = Some(sizes[image]);
            }
        }
    }
    for image in 0..labels.len() {
        let pgd = pgd_sizes[image].expect("PGD-L2 flips every sample by radius 2");
        assert!(!cw_flipped[image], "C&W left image {image} correct");
        assert!(
            cw_sizes[image] < pgd,
            "image {image}: C&W needed ‖δ‖₂ = {:.4}, PGD-L2 used {pgd:.4}",
            cw_sizes[image]
        );
    }
}

#[test]
fn apgd_is_never_weaker_than_pgd_20() {
    let model = chest_model();
    let (images, labels) = samples(&model);
    for epsilon in [0.25 / 255.0, 0.5 / 255.0, 1.0 / 255.0] {
        let pgd = AttackConfig::new(AttackKind::Pgd, epsilon).with_steps(20);
        let apgd = AttackConfig::new(AttackKind::ApgdCe, epsilon);
        let robust = |config: &AttackConfig| {
            still_right(&model, &attack(&model, &images, &labels, config), &labels)
                .iter()
                .filter(|r| **r)
                .count()
        };
        let (pgd_robust, apgd_robust) = (robust(&pgd), robust(&apgd));
        assert!(
            apgd_robust <= pgd_robust,
            "ε = {:.2}/255: APGD leaves {apgd_robust} correct, PGD-20 {pgd_robust}",
            epsilon * 255.0
        );
    }
}

#[test]
fn jsma_flips_the_normal_samples_with_a_few_visible_pixels() {
    // The documented budget (docs/attacks.md): brightening at most 32 pixels flips the two
    // samples the model calls NORMAL-or-borderline; the four confident PNEUMONIA films hold
    // even at 10 % of the pixels.
    let model = chest_model();
    let (images, labels) = samples(&model);
    let mut config = AttackConfig::new(AttackKind::Jsma, 0.0);
    config.gamma = 32.0 / (128.0 * 128.0);
    let adversarial = attack(&model, &images, &labels, &config);
    let right = still_right(&model, &adversarial, &labels);
    let pixels = 128 * 128;
    let changed: Vec<usize> = common::host(&adversarial)
        .chunks(pixels)
        .zip(common::host(&images).chunks(pixels))
        .map(|(a, c)| a.iter().zip(c).filter(|(a, c)| a != c).count())
        .collect();
    for image in [0, 1] {
        assert!(
            !right[image],
            "JSMA left {} correct",
            common::CHEST_SAMPLES[image]
        );
        assert!(changed[image] <= 32, "{changed:?}");
    }
}

#[test]
fn maximal_jsma_flips_every_sample_within_six_percent_of_the_pixels() {
    // The documented budget (docs/attacks.md): θ = ±0.1, each pixel moving whichever way is
    // more salient, at most 6 % of the pixels (983); the hardest sample needs 869.
    let model = chest_model();
    let (images, labels) = samples(&model);
    let mut config = AttackConfig::new(AttackKind::Jsma, 0.0);
    config.theta = 0.1;
    config.gamma = 0.06;
    config.jsma_both_directions = true;
    let adversarial = attack(&model, &images, &labels, &config);
    let right = still_right(&model, &adversarial, &labels);
    assert!(right.iter().all(|r| !r), "{right:?}");
    let pixels = 128 * 128;
    let budget = (0.06 * pixels as f64).floor() as usize;
    for (a, c) in common::host(&adversarial)
        .chunks(pixels)
        .zip(common::host(&images).chunks(pixels))
    {
        let changed: Vec<f32> = a
            .iter()
            .zip(c)
            .filter(|(a, c)| a != c)
            .map(|(a, c)| a - c)
            .collect();
        assert!(changed.len() <= budget, "{} pixels", changed.len());
        assert!(changed.iter().all(|d| d.abs() <= 0.1 + 1e-6));
    }
}

#[test]
fn few_pixel_flips_the_borderline_samples_with_ten_pixels() {
    // The documented budget (docs/attacks.md): k = 10, population 100, 50 generations flips
    // normal_1 and normal_3 (the scans whose margin is small); the confident films hold.
    let model = chest_model();
    let (images, labels) = samples(&model);
    let config = AttackConfig::new(AttackKind::FewPixel, 0.0)
        .with_pixels(10, 100)
        .with_steps(50);
    let pixels = 128 * 128;
    let host = common::host(&images);
    let pick = |index: usize| {
        Tensor::<4>::from_data(
            TensorData::new(
                host[index * pixels..(index + 1) * pixels].to_vec(),
                [1, 1, 128, 128],
            ),
            &ComputeDevice::cpu().device,
        )
    };
    for index in [0, 2] {
        let image = pick(index);
        let adversarial = attack(&model, &image, &labels[index..=index], &config);
        assert!(
            !still_right(&model, &adversarial, &labels[index..=index])[0],
            "few-pixel left {} correct",
            common::CHEST_SAMPLES[index]
        );
        let changed = common::host(&adversarial)
            .iter()
            .zip(common::host(&image))
            .filter(|(a, c)| *a != c)
            .count();
        assert!(changed <= 10, "{changed} pixels");
    }
}
