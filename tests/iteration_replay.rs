//! Iteration replay: one full result per step of BIM, PGD or MI-FGSM. Step k of a run is
//! exactly the answer of the same attack stopped after k steps (same seed and step size), the
//! last step is the run's own answer, every step stays within ε and [0, 1], and the families
//! that report no steps are refused.

mod common;

use advlens::attacks::{AttackConfig, AttackControl, AttackKind};
use advlens::device::ComputeDevice;
use advlens::models::load_shipped;
use advlens::pipeline::{AttackRequest, AttackSpec, iteration_replay, run_pipeline};

fn request(attack: AttackConfig) -> AttackRequest {
    AttackRequest {
        scan: common::sample_scan("chest_xray_normal_1.png"),
        spec: AttackSpec {
            attack,
            ..AttackSpec::default()
        },
    }
}

#[test]
fn each_step_is_the_attack_stopped_there_and_the_last_is_its_answer() {
    let device = ComputeDevice::cpu();
    let model = load_shipped("chest-xray-cnn", &device.device).unwrap();
    let control = AttackControl::default();
    let epsilon = 2.0 / 255.0;
    let step_size = 0.5 / 255.0;
    for kind in [AttackKind::Pgd, AttackKind::Bim, AttackKind::MiFgsm] {
        let attack = |steps: usize| {
            AttackConfig::new(kind, epsilon)
                .with_steps(steps)
                .with_step_size(step_size)
                .with_seed(7)
        };
        let steps = iteration_replay(&model, &request(attack(6)), &device, &control).unwrap();
        assert_eq!(steps.len(), 6, "{kind:?}");
        let answer = run_pipeline(&model, &request(attack(6)), &device, &control).unwrap();
        let last = steps.last().unwrap();
        assert_eq!(last.adversarial, answer.adversarial, "{kind:?}: the answer");
        assert_eq!(
            last.adversarial_prediction.probs, answer.adversarial_prediction.probs,
            "{kind:?}"
        );
        for k in [1, 3] {
            let stopped = run_pipeline(&model, &request(attack(k)), &device, &control).unwrap();
            assert_eq!(
                steps[k - 1].adversarial,
                stopped.adversarial,
                "{kind:?}: step {k} is the run stopped after {k} steps"
            );
            assert_eq!(steps[k - 1].gradient_evaluations, k);
        }
        for (index, step) in steps.iter().enumerate() {
            assert!(step.metrics.linf <= epsilon + 1e-6, "{kind:?} step {index}");
            assert!(
                step.adversarial
                    .pixels
                    .iter()
                    .all(|v| (0.0..=1.0).contains(v))
            );
            assert_eq!(step.clean.probs, answer.clean.probs);
        }
        assert_ne!(
            steps[0].adversarial, last.adversarial,
            "{kind:?}: the path moves"
        );
    }
}

#[test]
fn families_without_reported_steps_are_refused_with_a_reason() {
    let device = ComputeDevice::cpu();
    let model = load_shipped("chest-xray-cnn", &device.device).unwrap();
    for kind in [AttackKind::Fgsm, AttackKind::DeepFool, AttackKind::ApgdCe] {
        let err = iteration_replay(
            &model,
            &request(AttackConfig::new(kind, 2.0 / 255.0)),
            &device,
            &AttackControl::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("BIM, PGD and MI-FGSM"), "{kind:?}: {err}");
    }
    let too_long = AttackConfig::new(AttackKind::Pgd, 2.0 / 255.0).with_steps(500);
    let err = iteration_replay(
        &model,
        &request(too_long),
        &device,
        &AttackControl::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("at most 200 steps"), "{err}");
}
