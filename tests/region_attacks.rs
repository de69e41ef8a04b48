//! Region-limited attacks: every attack that takes a region leaves the pixels outside it
//! exactly clean (to the bit) while keeping its ε and the range; the score-based ones refuse a
//! region; FGSM's reused gradient (the window's slider) agrees with a fresh run; and a change
//! confined to part of a real film can still flip the shipped model.

mod common;

use advlens::attacks::{
    AttackConfig, AttackControl, AttackKind, Norm, Region, accepts_region, run_attack,
};
use advlens::device::ComputeDevice;
use advlens::models::load_shipped;
use advlens::pipeline::{AttackRequest, AttackSpec, FgsmSession, run_pipeline};
use common::{host, image_batch, predictions, tiny_models};

const SIZE: usize = 32;

fn region() -> Region {
    Region::new(0.25, 0.125, 0.75, 0.5).unwrap()
}

fn config_for(kind: AttackKind) -> AttackConfig {
    let epsilon = if kind.default_norm() == Norm::L2 || kind == AttackKind::PgdL2 {
        0.5
    } else {
        8.0 / 255.0
    };
    let mut config = AttackConfig::new(kind, epsilon)
        .with_steps(6)
        .with_seed(5)
        .with_search(2, 1.0);
    config.region = Some(region());
    config
}

#[test]
fn every_attack_that_takes_a_region_leaves_the_outside_clean_to_the_bit() {
    let models = tiny_models(3, 11);
    let clean = image_batch(2);
    let labels = predictions(&models, &clean);
    let clean_values = host(&clean);
    let inside = region().pixels(SIZE, SIZE);
    let kinds: Vec<AttackKind> = AttackKind::ALL
        .into_iter()
        .filter(|kind| accepts_region(*kind))
        .collect();
    assert!(kinds.len() >= 10, "{kinds:?}");
    for kind in kinds {
        let config = config_for(kind);
        let outcome = run_attack(
            &models,
            &clean,
            &labels,
            false,
            &config,
            &AttackControl::default(),
        )
        .unwrap_or_else(|err| panic!("{kind:?}: {err}"));
        let values = host(&outcome.adversarial);
        let mut changed_inside = 0;
        for (index, (after, before)) in values.iter().zip(&clean_values).enumerate() {
            assert!((0.0..=1.0).contains(after), "{kind:?} left the range");
            if inside[index % (SIZE * SIZE)] {
                changed_inside += usize::from(after != before);
            } else {
                assert_eq!(
                    after.to_bits(),
                    before.to_bits(),
                    "{kind:?} changed pixel {index} outside the region"
                );
            }
        }
        // C&W keeps the clean image where it finds no adversarial one, as it does on this tiny
        // model; the real-film test below checks it moves inside the region.
        if kind != AttackKind::CarliniWagner {
            assert!(changed_inside > 0, "{kind:?} changed nothing inside");
        }
        if kind.uses_epsilon() && config.norm() == Norm::Linf {
            let largest = values
                .iter()
                .zip(&clean_values)
                .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                f64::from(largest) <= config.epsilon + 1e-6,
                "{kind:?}: {largest}"
            );
        }
    }
}

#[test]
fn score_based_attacks_refuse_a_region_with_a_clear_error() {
    let models = tiny_models(3, 11);
    let clean = image_batch(1);
    for kind in [
        AttackKind::Square,
        AttackKind::FewPixel,
        AttackKind::AutoAttack,
    ] {
        let error = run_attack(
            &models,
            &clean,
            &[0],
            false,
            &config_for(kind),
            &AttackControl::default(),
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("does not take a region"),
            "{kind:?}: {error}"
        );
    }
    // A region between two pixel centres holds no pixel: an error, not a silent no-op.
    let mut sliver = config_for(AttackKind::Pgd);
    sliver.region = Some(Region::new(0.5, 0.5, 0.51, 0.51).unwrap());
    let error = run_attack(
        &models,
        &clean,
        &[0],
        false,
        &sliver,
        &AttackControl::default(),
    )
    .unwrap_err();
    assert!(error.to_string().contains("holds no pixel"), "{error}");
}

#[test]
fn a_region_limited_attack_on_a_real_film_reuses_fgsm_exactly_and_can_still_flip_it() {
    let device = ComputeDevice::cpu();
    let model = load_shipped("chest-xray-cnn", &device.device).unwrap();
    let scan = common::sample_scan("chest_xray_pneumonia_1.png");
    // The left half of the film, where one lung is.
    let left_lung = Region::new(0.05, 0.15, 0.5, 0.85).unwrap();
    let request = |kind: AttackKind, epsilon: f64| {
        let mut attack = AttackConfig::new(kind, epsilon).with_seed(1);
        attack.region = Some(left_lung);
        AttackRequest {
            scan: scan.clone(),
            spec: AttackSpec {
                attack,
                ..AttackSpec::default()
            },
        }
    };
    let session = FgsmSession::new(&model, &request(AttackKind::Fgsm, 0.0), &device).unwrap();
    let fgsm = request(AttackKind::Fgsm, 2.0 / 255.0);
    let reused = session
        .result_at(&model, &device, &fgsm.spec, &AttackControl::default())
        .unwrap();
    let fresh = run_pipeline(&model, &fgsm, &device, &AttackControl::default()).unwrap();
    assert_eq!(reused.adversarial, fresh.adversarial);
    let pgd = run_pipeline(
        &model,
        &request(AttackKind::Pgd, 8.0 / 255.0),
        &device,
        &AttackControl::default(),
    )
    .unwrap();
    let fraction = pgd.region_fraction().unwrap();
    assert!((0.2..0.45).contains(&fraction), "{fraction}");
    // C&W at κ = 0 stops at the decision boundary (p ≈ 0.500 here), where rounding decides
    // the verdict; a margin of 0.5 in logits asks it to cross clearly.
    let mut cw_request = request(AttackKind::CarliniWagner, 0.0);
    cw_request.spec.attack.confidence = 0.5;
    let cw = run_pipeline(&model, &cw_request, &device, &AttackControl::default()).unwrap();
    for (name, result) in [("PGD at 8/255", &pgd), ("C&W", &cw)] {
        let inside = left_lung.pixels(result.original.width, result.original.height);
        let mut changed_inside = 0;
        for (index, (after, before)) in result
            .adversarial
            .pixels
            .iter()
            .zip(&result.original.pixels)
            .enumerate()
        {
            if inside[index] {
                changed_inside += usize::from(after != before);
            } else {
                assert_eq!(after.to_bits(), before.to_bits(), "{name}: pixel {index}");
            }
        }
        assert!(changed_inside > 0, "{name} changed nothing");
        assert!(
            result.success,
            "{name} confined to one lung should still flip the film"
        );
    }
    let share = pgd.explanation_shift.region_share.unwrap();
    assert!((0.0..=1.0).contains(&share.clean) && (0.0..=1.0).contains(&share.adversarial));
}

#[test]
fn the_region_goes_into_the_recipe_and_the_replay_is_bit_exact() {
    let first = tempfile::tempdir().unwrap();
    let output = common::run_ok(
        common::advlens()
            .args(["attack", "--scan"])
            .arg(common::sample("chest_xray_normal_1.png"))
            .args([
                "--attack",
                "pgd",
                "--eps",
                "4/255",
                "--steps",
                "5",
                "--region",
                "0,0,0.5,1",
                "--device",
                "cpu",
                "--out",
            ])
            .arg(first.path()),
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("50.0% of the pixels may change"));
    let read = |dir: &std::path::Path, name: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap()
    };
    let recipe = read(first.path(), "recipe.json");
    assert_eq!(recipe["attack"]["region"]["right"], 0.5);
    assert_eq!(
        read(first.path(), "result.json")["region_allowed_fraction"],
        0.5
    );
    let replay = tempfile::tempdir().unwrap();
    common::run_ok(
        common::advlens()
            .args(["attack", "--recipe"])
            .arg(first.path().join("recipe.json"))
            .args(["--scan"])
            .arg(common::sample("chest_xray_normal_1.png"))
            .args(["--device", "cpu", "--out"])
            .arg(replay.path()),
    );
    for name in ["adversarial_16bit.png", "perturbation.png"] {
        assert_eq!(
            std::fs::read(first.path().join(name)).unwrap(),
            std::fs::read(replay.path().join(name)).unwrap(),
            "{name}"
        );
    }
    let refused = common::advlens()
        .args(["attack", "--scan"])
        .arg(common::sample("chest_xray_normal_1.png"))
        .args([
            "--attack",
            "square",
            "--region",
            "0,0,0.5,1",
            "--device",
            "cpu",
            "--out",
        ])
        .arg(replay.path())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("does not take a region"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
