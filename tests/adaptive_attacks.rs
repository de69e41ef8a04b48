//! Attacks through a defence: BPDA (straight-through) and EOT (averaged draws) succeed at least
//! as often as the same attack unaware of the defence, on the shipped compact chest CNN behind
//! each defence and the bundled scans; the gradient through an identity defence is the plain
//! gradient summed over its draws, and every newer attack (APGD, AutoAttack-lite, DeepFool,
//! C&W, JSMA, Square, few-pixel) goes through the defence and, through the identity, ends
//! exactly where it ends on the bare model.

mod common;

use advlens::attacks::{
    AttackConfig, AttackControl, AttackError, AttackKind, DefenseGradientPath, loss_gradient,
    loss_gradient_through, run_attack,
};
use advlens::defenses::{DefenseConfig, DefensePath, defended_predict};
use advlens::imaging::{LoadOptions, load_scan, model_input_from_scan};
use advlens::models::{ModelPair, load_shipped};
use burn::tensor::{Device, Tensor};
use common::{host, tiny_models};

/// The six bundled chest X-rays at the model's input size.
fn sample_batch(size: usize) -> Tensor<4> {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
    let images: Vec<Tensor<4>> = common::CHEST_SAMPLES
        .iter()
        .map(|name| {
            let scan = load_scan(
                &folder.join(format!("chest_xray_{name}.png")),
                &LoadOptions::default(),
            )
            .unwrap();
            model_input_from_scan(&scan, size, &Device::flex())
        })
        .collect();
    Tensor::cat(images, 0)
}

fn defended_labels(models: &ModelPair, images: &Tensor<4>, defense: &DefenseConfig) -> Vec<usize> {
    defended_predict(&models.inference, images, defense)
        .unwrap()
        .probabilities
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0
        })
        .collect()
}

/// How many images leave their defended clean prediction, attacking unaware of the defence
/// and through it.
fn successes(defense: &DefenseConfig, attack: &AttackConfig) -> (usize, usize) {
    let model = load_shipped("chest-xray-cnn", &Device::flex()).unwrap();
    let models = &model.models;
    let images = sample_batch(model.card.spec.input_size);
    let labels = defended_labels(models, &images, defense);
    let count = |adversarial: &Tensor<4>| {
        defended_labels(models, adversarial, defense)
            .iter()
            .zip(&labels)
            .filter(|(a, l)| a != l)
            .count()
    };
    let unaware = run_attack(
        models,
        &images,
        &labels,
        false,
        attack,
        &AttackControl::default(),
    )
    .unwrap();
    let path = DefensePath::new(defense.clone());
    let through = AttackControl {
        through: Some(&path),
        ..AttackControl::default()
    };
    let adaptive = run_attack(models, &images, &labels, false, attack, &through).unwrap();
    (count(&unaware.adversarial), count(&adaptive.adversarial))
}

/// Each defence: the adaptive attack flips at least as many scans as the unaware one, and
/// over all of them strictly more.
fn check_adaptive_at_least_as_strong(defenses: &[&str]) {
    let attack = AttackConfig::new(AttackKind::Pgd, 2.0 / 255.0).with_steps(10);
    let (mut unaware_total, mut adaptive_total) = (0, 0);
    for text in defenses {
        let defense = DefenseConfig::parse(text).unwrap();
        let (unaware, adaptive) = successes(&defense, &attack);
        eprintln!(
            "{}: unaware {unaware}, adaptive {adaptive}",
            defense.describe()
        );
        assert!(
            adaptive >= unaware,
            "{}: {adaptive} < {unaware}",
            defense.describe()
        );
        unaware_total += unaware;
        adaptive_total += adaptive;
    }
    assert!(
        adaptive_total > unaware_total,
        "{adaptive_total} vs {unaware_total}"
    );
}

#[test]
fn bpda_succeeds_at_least_as_often_through_deterministic_defences() {
    check_adaptive_at_least_as_strong(&["median:5", "bits:3", "jpeg:50", "wavelet:3"]);
}

#[test]
fn eot_succeeds_at_least_as_often_through_randomized_defences() {
    check_adaptive_at_least_as_strong(&["deflection:400,eot=4", "medrdf:9,sigma=0.1,eot=4"]);
}

/// A path that leaves images unchanged, counting its calls.
struct Identity(std::sync::atomic::AtomicUsize, usize);

impl DefenseGradientPath for Identity {
    fn samples(&self) -> usize {
        self.1
    }

    fn transform(&self, images: &Tensor<4>) -> Result<Tensor<4>, AttackError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(images.clone())
    }
}

#[test]
fn the_gradient_through_the_identity_is_the_plain_gradient_times_the_draws() {
    let models = tiny_models(3, 4);
    let images = Tensor::cat(vec![common::test_image(32); 3], 0);
    let plain = host(&loss_gradient(&models.differentiable, &images, &[0, 1, 2], false).unwrap());
    let identity = Identity(std::sync::atomic::AtomicUsize::new(0), 3);
    let through = host(
        &loss_gradient_through(
            &models.differentiable,
            &images,
            &[0, 1, 2],
            false,
            &identity,
        )
        .unwrap(),
    );
    assert_eq!(identity.0.load(std::sync::atomic::Ordering::Relaxed), 3);
    let scale = plain.iter().map(|v| v.abs()).fold(0.0f32, f32::max);
    for (a, b) in plain.iter().zip(&through) {
        assert!((3.0 * a - b).abs() <= 1e-4 * scale.max(1e-12), "{a} vs {b}");
    }
}

#[test]
fn the_new_attacks_through_the_identity_defence_match_the_bare_model() {
    // Through an identity "defence" (BPDA: x + (T(x) − x) = x, one draw) every new attack must
    // differentiate or query the defence and end exactly where it ends on the bare model.
    let models = common::tiny_models(3, 31);
    let clean = common::test_image(32);
    let label = advlens::attacks::predicted_class(
        &advlens::attacks::probabilities(&models, &clean).unwrap()[0],
    );
    let identity = Identity(std::sync::atomic::AtomicUsize::new(0), 1);
    for kind in [
        AttackKind::ApgdCe,
        AttackKind::ApgdDlr,
        AttackKind::AutoAttack,
        AttackKind::DeepFool,
        AttackKind::CarliniWagner,
        AttackKind::Jsma,
        AttackKind::Square,
        AttackKind::FewPixel,
    ] {
        let mut config = AttackConfig::new(kind, 4.0 / 255.0)
            .with_steps(4)
            .with_queries(50)
            .with_search(2, 1.0)
            .with_pixels(2, 8);
        config.gamma = 0.01;
        let bare = run_attack(
            &models,
            &clean,
            &[label],
            false,
            &config,
            &AttackControl::default(),
        )
        .unwrap();
        let before = identity.0.load(std::sync::atomic::Ordering::Relaxed);
        let through = run_attack(
            &models,
            &clean,
            &[label],
            false,
            &config,
            &AttackControl {
                through: Some(&identity),
                ..AttackControl::default()
            },
        )
        .unwrap();
        assert!(
            identity.0.load(std::sync::atomic::Ordering::Relaxed) > before,
            "{kind} never went through the defence"
        );
        assert_eq!(
            common::host(&bare.adversarial),
            common::host(&through.adversarial),
            "{kind}"
        );
    }
}
