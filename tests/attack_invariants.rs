//! Invariants every attack must keep, on a tiny seeded model: the perturbation stays within ε
//! in its norm, pixels stay in [0, 1], ε = 0 changes nothing, a seed reproduces bit-exactly,
//! targeted attacks raise the target's probability, and restarts never do worse.

mod common;

use advlens::attacks::{
    AttackConfig, AttackControl, AttackKind, NoiseDistribution, Norm, probabilities, run_attack,
};
use common::{host, test_image, tiny_models};

const SIZE: usize = 32;

fn norm_of(delta: &[f32], norm: Norm) -> f64 {
    match norm {
        Norm::Linf => delta.iter().fold(0.0f64, |m, v| m.max(f64::from(v.abs()))),
        Norm::L2 => delta
            .iter()
            .map(|v| f64::from(*v).powi(2))
            .sum::<f64>()
            .sqrt(),
    }
}

fn configs(epsilon_linf: f64, epsilon_l2: f64) -> Vec<AttackConfig> {
    // The minimal (DeepFool, C&W) and sparse (JSMA, few-pixel) attacks have no ε:
    // tests/attack_breadth.rs covers them.
    let mut list: Vec<AttackConfig> = AttackKind::ALL
        .into_iter()
        .filter(|kind| kind.uses_epsilon())
        .map(|kind| {
            AttackConfig::new(
                kind,
                if kind == AttackKind::PgdL2 {
                    epsilon_l2
                } else {
                    epsilon_linf
                },
            )
            .with_steps(8)
            .with_queries(300)
            .with_seed(3)
        })
        .collect();
    list.push(
        AttackConfig::new(AttackKind::Noise, epsilon_l2)
            .with_norm(Norm::L2)
            .with_noise(NoiseDistribution::Uniform)
            .with_seed(3),
    );
    list.push(
        AttackConfig::new(AttackKind::Pgd, epsilon_linf)
            .with_steps(5)
            .with_restarts(3)
            .with_seed(3),
    );
    list
}

#[test]
fn perturbations_stay_in_the_ball_and_in_range() {
    let models = tiny_models(3, 11);
    let clean = test_image(SIZE);
    let clean_host = host(&clean);
    // The predicted class, so that AutoAttack-lite (which leaves misclassified images alone)
    // has something to attack.
    let label = advlens::attacks::predicted_class(&probabilities(&models, &clean).unwrap()[0]);
    for config in configs(8.0 / 255.0, 0.5) {
        let outcome = run_attack(
            &models,
            &clean,
            &[label],
            false,
            &config,
            &AttackControl::default(),
        )
        .unwrap();
        let adversarial = host(&outcome.adversarial);
        assert!(
            adversarial.iter().all(|v| (0.0..=1.0).contains(v)),
            "{} left [0, 1]",
            config.kind
        );
        let delta: Vec<f32> = adversarial
            .iter()
            .zip(&clean_host)
            .map(|(a, c)| a - c)
            .collect();
        let size = norm_of(&delta, config.norm());
        assert!(
            size <= config.epsilon + 1e-5,
            "{}: norm {size} > ε {}",
            config.kind,
            config.epsilon
        );
        // AutoAttack-lite returns the clean image where no stage fooled the model, as the
        // reference implementation does.
        assert!(
            size > 0.0 || config.kind == AttackKind::AutoAttack,
            "{} changed nothing",
            config.kind
        );
    }
}

#[test]
fn epsilon_zero_is_the_identity() {
    let models = tiny_models(3, 12);
    let clean = test_image(SIZE);
    for config in configs(0.0, 0.0) {
        let outcome = run_attack(
            &models,
            &clean,
            &[1],
            false,
            &config,
            &AttackControl::default(),
        )
        .unwrap();
        assert_eq!(
            host(&outcome.adversarial),
            host(&clean),
            "{} at ε = 0",
            config.kind
        );
    }
}

#[test]
fn a_seed_reproduces_bit_exactly_and_another_seed_differs() {
    let models = tiny_models(2, 13);
    let clean = test_image(SIZE);
    for kind in [AttackKind::Pgd, AttackKind::PgdL2, AttackKind::Noise] {
        let epsilon = if kind == AttackKind::PgdL2 {
            0.5
        } else {
            4.0 / 255.0
        };
        let config = AttackConfig::new(kind, epsilon).with_steps(4).with_seed(42);
        let untargeted = |config: &AttackConfig| {
            host(
                &run_attack(
                    &models,
                    &clean,
                    &[0],
                    false,
                    config,
                    &AttackControl::default(),
                )
                .unwrap()
                .adversarial,
            )
        };
        let first = untargeted(&config);
        let second = untargeted(&config);
        assert_eq!(first, second, "{kind}");
        let other = untargeted(&config.clone().with_seed(43));
        assert_ne!(first, other, "{kind}: the seed must matter");
    }
}

#[test]
fn targeted_attacks_raise_the_target_probability() {
    let models = tiny_models(4, 14);
    let clean = test_image(SIZE);
    let before = probabilities(&models, &clean).unwrap().remove(0);
    let target = before
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0;
    for kind in [
        AttackKind::Fgsm,
        AttackKind::Bim,
        AttackKind::Pgd,
        AttackKind::PgdL2,
        AttackKind::MiFgsm,
    ] {
        let epsilon = if kind == AttackKind::PgdL2 {
            1.0
        } else {
            16.0 / 255.0
        };
        let config = AttackConfig::new(kind, epsilon).with_steps(10);
        let outcome = run_attack(
            &models,
            &clean,
            &[target],
            true,
            &config,
            &AttackControl::default(),
        )
        .unwrap();
        let after = probabilities(&models, &outcome.adversarial)
            .unwrap()
            .remove(0);
        assert!(
            after[target] > before[target],
            "{kind}: p(target) {} -> {}",
            before[target],
            after[target]
        );
    }
}

#[test]
fn untargeted_attacks_lower_the_label_probability_and_noise_barely_does() {
    let models = tiny_models(2, 15);
    let clean = test_image(SIZE);
    let before = probabilities(&models, &clean).unwrap().remove(0);
    let label = usize::from(before[1] >= before[0]);
    let pgd = run_attack(
        &models,
        &clean,
        &[label],
        false,
        &AttackConfig::new(AttackKind::Pgd, 8.0 / 255.0).with_steps(10),
        &AttackControl::default(),
    )
    .unwrap();
    let after = probabilities(&models, &pgd.adversarial).unwrap().remove(0);
    assert!(
        after[label] < before[label],
        "PGD: {} -> {}",
        before[label],
        after[label]
    );
    let noise = run_attack(
        &models,
        &clean,
        &[label],
        false,
        &AttackConfig::new(AttackKind::Noise, 8.0 / 255.0),
        &AttackControl::default(),
    )
    .unwrap();
    let noisy = probabilities(&models, &noise.adversarial)
        .unwrap()
        .remove(0);
    assert!(
        (before[label] - noisy[label]).abs() < (before[label] - after[label]).abs(),
        "noise should hurt less than PGD"
    );
}

#[test]
fn cancellation_stops_an_iterative_attack() {
    let models = tiny_models(2, 16);
    let clean = test_image(SIZE);
    let stop = || true;
    let control = AttackControl {
        should_stop: Some(&stop),
        ..AttackControl::default()
    };
    let result = run_attack(
        &models,
        &clean,
        &[0],
        false,
        &AttackConfig::new(AttackKind::Pgd, 0.03),
        &control,
    );
    assert!(matches!(
        result,
        Err(advlens::attacks::AttackError::Cancelled)
    ));
}
