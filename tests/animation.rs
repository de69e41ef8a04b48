//! The ε animation for slides: frames from ε = 0 (the scan itself) to the chosen ε, FGSM's
//! frames equal fresh runs, attacks without ε are refused, and the CLI's GIF decodes with the
//! right number and size of frames.

mod common;

use advlens::attacks::{AttackConfig, AttackControl, AttackKind};
use advlens::device::ComputeDevice;
use advlens::models::load_shipped;
use advlens::pipeline::{
    AttackRequest, AttackSpec, animation_epsilons, epsilon_animation, run_pipeline,
};

fn request(kind: AttackKind, epsilon: f64) -> AttackRequest {
    AttackRequest {
        scan: common::sample_scan("chest_xray_pneumonia_1.png"),
        spec: AttackSpec {
            attack: AttackConfig::new(kind, epsilon).with_steps(5).with_seed(2),
            ..AttackSpec::default()
        },
    }
}

#[test]
fn frames_run_from_the_scan_itself_to_the_chosen_epsilon() {
    let epsilons = animation_epsilons(0.3, 4);
    for (got, want) in epsilons.iter().zip([0.0, 0.1, 0.2, 0.3]) {
        assert!((got - want).abs() < 1e-12, "{epsilons:?}");
    }
    assert_eq!(epsilons[3], 0.3, "the last frame is exactly the chosen ε");
    let device = ComputeDevice::cpu();
    let model = load_shipped("chest-xray-cnn", &device.device).unwrap();
    let control = AttackControl::default();
    for kind in [AttackKind::Fgsm, AttackKind::Pgd] {
        let asked = request(kind, 4.0 / 255.0);
        let frames = epsilon_animation(&model, &asked, 5, &device, &control).unwrap();
        assert_eq!(frames.len(), 5);
        assert_eq!(
            frames[0].adversarial, frames[0].original,
            "{kind:?}: ε = 0 is the scan"
        );
        for (frame, epsilon) in frames.iter().zip(animation_epsilons(4.0 / 255.0, 5)) {
            assert_eq!(frame.attack.epsilon, epsilon);
            assert!(frame.metrics.linf <= epsilon + 1e-6, "{kind:?}");
        }
        // The last frame is the run the animation animates, bit for bit.
        let fresh = run_pipeline(&model, &asked, &device, &control).unwrap();
        let last = frames.last().unwrap();
        assert_eq!(last.adversarial, fresh.adversarial, "{kind:?}");
        assert_eq!(last.adversarial_prediction, fresh.adversarial_prediction);
    }
    let refused = epsilon_animation(
        &model,
        &request(AttackKind::DeepFool, 0.0),
        5,
        &device,
        &control,
    )
    .unwrap_err();
    assert!(refused.to_string().contains("has none"), "{refused}");
    assert!(
        epsilon_animation(
            &model,
            &request(AttackKind::Fgsm, 0.01),
            1,
            &device,
            &control
        )
        .is_err()
    );
}

#[test]
fn attack_writes_a_looping_gif_with_one_frame_per_epsilon() {
    let out = tempfile::tempdir().unwrap();
    let gif_path = out.path().join("flip.gif");
    common::run_ok(
        common::advlens()
            .args(["attack", "--scan"])
            .arg(common::sample("chest_xray_normal_2.png"))
            .args(["--attack", "fgsm", "--eps", "3/255", "--animate"])
            .arg(&gif_path)
            .args(["--animate-frames", "4", "--device", "cpu", "--out"])
            .arg(out.path()),
    );
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options
        .read_info(std::fs::File::open(&gif_path).unwrap())
        .unwrap();
    let (width, height) = advlens::export::animation_frame_size();
    assert_eq!(
        (u32::from(decoder.width()), u32::from(decoder.height())),
        (width, height)
    );
    let mut frames = 0;
    while let Some(frame) = decoder.read_next_frame().unwrap() {
        assert_eq!(frame.buffer.len(), (width * height * 4) as usize);
        frames += 1;
    }
    assert_eq!(frames, 4);
    let wrong = common::advlens()
        .args(["attack", "--scan"])
        .arg(common::sample("chest_xray_normal_2.png"))
        .args(["--animate", "flip.mp4", "--device", "cpu", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("ending in .gif"));
}
