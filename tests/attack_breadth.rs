//! The minimal, strongest-known and score-based attacks on tiny seeded models: output in
//! [0, 1], bit-exact replay, cancellation and progress for every one (Square's own checks are
//! in `tests/square_attack.rs`); APGD stays in its ball in both norms;
//! AutoAttack-lite is no weaker than any of its stages run alone. (A tiny random model's
//! logits barely depend on its input, so that the minimal attacks' flips and APGD's strength
//! are tested on the shipped chest CNN, in `tests/new_attacks_on_shipped_models.rs`, and
//! DeepFool's exact answer on a linear model, in `src/attacks/deepfool.rs`.)

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use advlens::attacks::{AttackConfig, AttackControl, AttackError, AttackKind, Norm, run_attack};
use common::{host, image_batch, perturbation_sizes, predictions, test_image, tiny_models};

const SIZE: usize = 32;

/// The newer families with small budgets for a quick test.
fn new_attacks() -> Vec<AttackConfig> {
    [
        AttackKind::ApgdCe,
        AttackKind::ApgdDlr,
        AttackKind::AutoAttack,
        AttackKind::DeepFool,
        AttackKind::CarliniWagner,
        AttackKind::Square,
        AttackKind::Jsma,
        AttackKind::FewPixel,
    ]
    .into_iter()
    .map(|kind| {
        let mut config = AttackConfig::new(kind, 8.0 / 255.0)
            .with_steps(6)
            .with_queries(120)
            .with_search(2, 1.0)
            .with_pixels(4, 12)
            .with_seed(5);
        config.gamma = 0.01;
        config
    })
    .chain(std::iter::once(
        AttackConfig::new(AttackKind::Square, 0.5)
            .with_norm(Norm::L2)
            .with_queries(120)
            .with_seed(5),
    ))
    .collect()
}

#[test]
fn every_new_attack_stays_in_range_replays_bit_exactly_and_reports_progress() {
    let models = tiny_models(4, 21);
    let clean = test_image(SIZE);
    let label = predictions(&models, &clean)[0];
    for config in new_attacks() {
        let steps = AtomicUsize::new(0);
        let on_step = |_: usize, _: usize| {
            steps.fetch_add(1, Ordering::Relaxed);
        };
        let control = AttackControl {
            on_step: Some(&on_step),
            ..AttackControl::default()
        };
        let first = run_attack(&models, &clean, &[label], false, &config, &control).unwrap();
        let second = run_attack(
            &models,
            &clean,
            &[label],
            false,
            &config,
            &AttackControl::default(),
        )
        .unwrap();
        let values = host(&first.adversarial);
        assert!(
            values.iter().all(|v| (0.0..=1.0).contains(v)),
            "{} left [0, 1]",
            config.kind
        );
        assert_eq!(values, host(&second.adversarial), "{} replay", config.kind);
        assert!(
            steps.load(Ordering::Relaxed) > 0,
            "{} reported no progress",
            config.kind
        );
        let changed = values
            .iter()
            .zip(host(&clean))
            .filter(|(a, c)| a != &c)
            .count();
        if config.kind == AttackKind::FewPixel {
            assert!(
                changed <= config.pixels,
                "few-pixel changed {changed} pixels"
            );
        }
        if config.kind == AttackKind::Jsma {
            let budget = (config.gamma * (SIZE * SIZE) as f64).floor() as usize;
            assert!(
                changed <= budget,
                "JSMA changed {changed} > {budget} pixels"
            );
        }
        if config.kind.uses_epsilon() {
            let linf = values
                .iter()
                .zip(host(&clean))
                .fold(0.0f32, |m, (a, c)| m.max((a - c).abs()));
            assert!(
                f64::from(linf) <= config.epsilon + 1e-6,
                "{}: ‖δ‖∞ {linf} > ε",
                config.kind
            );
        }
    }
}

#[test]
fn cancellation_stops_every_new_attack() {
    let models = tiny_models(3, 22);
    let clean = test_image(SIZE);
    let label = predictions(&models, &clean)[0];
    let stop = || true;
    let control = AttackControl {
        should_stop: Some(&stop),
        ..AttackControl::default()
    };
    for config in new_attacks() {
        let result = run_attack(&models, &clean, &[label], false, &config, &control);
        assert!(
            matches!(result, Err(AttackError::Cancelled)),
            "{} was not cancelled",
            config.kind
        );
    }
}

#[test]
fn apgd_stays_in_its_ball_in_both_norms() {
    let models = tiny_models(3, 23);
    let images = image_batch(4);
    let labels = predictions(&models, &images);
    let clean_values = host(&images);
    for (norm, epsilon) in [(Norm::Linf, 4.0 / 255.0), (Norm::L2, 0.3)] {
        for kind in [AttackKind::ApgdCe, AttackKind::ApgdDlr] {
            let config = AttackConfig::new(kind, epsilon)
                .with_norm(norm)
                .with_steps(10);
            let outcome = run_attack(
                &models,
                &images,
                &labels,
                false,
                &config,
                &AttackControl::default(),
            )
            .unwrap();
            let adversarial = host(&outcome.adversarial);
            let sizes = perturbation_sizes(&adversarial, &clean_values, SIZE * SIZE, norm);
            for (image, size) in sizes.into_iter().enumerate() {
                assert!(
                    size <= epsilon + 1e-5,
                    "{kind} {norm:?} image {image}: {size}"
                );
            }
        }
    }
}

#[test]
fn autoattack_lite_is_no_weaker_than_any_of_its_stages() {
    let models = tiny_models(4, 26);
    let images = image_batch(6);
    let labels = predictions(&models, &images);
    let epsilon = 1.0 / 255.0;
    let robust = |config: &AttackConfig| -> usize {
        let outcome = run_attack(
            &models,
            &images,
            &labels,
            false,
            config,
            &AttackControl::default(),
        )
        .unwrap();
        predictions(&models, &outcome.adversarial)
            .iter()
            .zip(&labels)
            .filter(|(p, l)| p == l)
            .count()
    };
    let auto = AttackConfig::new(AttackKind::AutoAttack, epsilon)
        .with_steps(10)
        .with_queries(150);
    let outcome = run_attack(
        &models,
        &images,
        &labels,
        false,
        &auto,
        &AttackControl::default(),
    )
    .unwrap();
    let counts: Vec<usize> = outcome
        .stages
        .iter()
        .map(|s| s.robust.iter().filter(|r| **r).count())
        .collect();
    assert_eq!(outcome.stages.len(), 4, "clean, APGD-CE, APGD-T, Square");
    assert!(
        counts.windows(2).all(|w| w[1] <= w[0]),
        "stages must only remove robust images: {counts:?}"
    );
    let final_robust = robust(&auto);
    assert_eq!(
        final_robust, counts[3],
        "the last stage's count is the result"
    );
    let apgd_alone = robust(&AttackConfig::new(AttackKind::ApgdCe, epsilon).with_steps(10));
    let square_alone = robust(&AttackConfig::new(AttackKind::Square, epsilon).with_queries(150));
    assert!(
        final_robust <= apgd_alone,
        "{final_robust} > APGD-CE {apgd_alone}"
    );
    assert!(
        final_robust <= square_alone,
        "{final_robust} > Square {square_alone}"
    );
}

#[test]
fn dlr_on_a_binary_model_says_it_used_cross_entropy() {
    let models = tiny_models(2, 27);
    let clean = test_image(SIZE);
    let label = predictions(&models, &clean)[0];
    let outcome = run_attack(
        &models,
        &clean,
        &[label],
        false,
        &AttackConfig::new(AttackKind::ApgdDlr, 2.0 / 255.0).with_steps(4),
        &AttackControl::default(),
    )
    .unwrap();
    assert!(
        outcome.notes.iter().any(|n| n.contains("cross-entropy")),
        "{:?}",
        outcome.notes
    );
}

#[test]
fn a_universal_perturbation_stays_within_epsilon_and_applies_to_any_scan_of_its_size() {
    use advlens::attacks::{UniversalPerturbation, count_fooled, fit_universal};
    let models = tiny_models(3, 28);
    let images = image_batch(6);
    let labels = predictions(&models, &images);
    let batches = vec![(images.clone(), labels.clone())];
    let epsilon = 6.0 / 255.0;
    let delta = fit_universal(&models, &batches, epsilon, 3, &AttackControl::default()).unwrap();
    assert_eq!(delta.len(), SIZE * SIZE);
    assert!(delta.iter().all(|d| f64::from(d.abs()) <= epsilon + 1e-7));
    assert!(delta.iter().any(|d| *d != 0.0), "δ never moved");
    let again = fit_universal(&models, &batches, epsilon, 3, &AttackControl::default()).unwrap();
    assert_eq!(delta, again, "fitting is deterministic");
    let perturbation = UniversalPerturbation {
        model: "tiny".into(),
        epsilon,
        width: SIZE,
        height: SIZE,
        delta: delta.clone(),
        epochs: 3,
        source: "test".into(),
        fit_images: 6,
        fit_fooled: 0,
        held_out_images: 0,
        held_out_fooled: 0,
        patch: None,
    };
    // Applied through the engine as an attack: the same δ on every scan, clipped to [0, 1].
    let config = AttackConfig {
        kind: AttackKind::Universal,
        universal: Some(perturbation.clone()),
        ..AttackConfig::default()
    };
    let outcome = run_attack(
        &models,
        &images,
        &labels,
        false,
        &config,
        &AttackControl::default(),
    )
    .unwrap();
    let clean = host(&images);
    for (index, (a, c)) in host(&outcome.adversarial).iter().zip(&clean).enumerate() {
        let expected = (c + delta[index % (SIZE * SIZE)]).clamp(0.0, 1.0);
        assert!((a - expected).abs() < 1e-6);
    }
    assert!(count_fooled(&models, &batches, &perturbation).unwrap() <= 6);
    // A δ of another size is refused with a clear error, not a panic.
    let other = test_image(SIZE / 2);
    let error = run_attack(
        &models,
        &other,
        &[0],
        false,
        &config,
        &AttackControl::default(),
    );
    assert!(matches!(error, Err(AttackError::InvalidParameter(_))));
    let unloaded = AttackConfig::new(AttackKind::Universal, 0.0);
    assert!(
        run_attack(
            &models,
            &images,
            &labels,
            false,
            &unloaded,
            &AttackControl::default()
        )
        .is_err()
    );
}
