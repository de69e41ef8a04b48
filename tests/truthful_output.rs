//! What advlens says is what it did: the gradient route named for every defence with and
//! without "attack through the defence", the bisected flip ε on a tiny model, a recipe from
//! every CLI attack that replays bit-exactly, no false "error" lines when `auto` falls back to
//! the CPU, and one-line errors that name the file for every bad-input fixture.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use advlens::attacks::{
    AttackConfig, AttackControl, AttackKind, FgsmGradient, GradientRoute, predicted_class,
    probabilities,
};
use advlens::defenses::{DefenseConfig, DefenseKind};
use advlens::device::ComputeDevice;
use advlens::imaging::{LoadOptions, load_scan};
use advlens::models::load_shipped;
use advlens::pipeline::sweep::{FLIP_TOLERANCE_LINF, FlipBound, SweepSpec, sweep_input};
use advlens::pipeline::{AttackRequest, AttackSpec, run_pipeline};

fn advlens() -> Command {
    Command::new(env!("CARGO_BIN_EXE_advlens"))
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The shipped chest CNN on the CPU.
fn chest_model() -> (ComputeDevice, advlens::models::LoadedModel) {
    let device = ComputeDevice::cpu();
    let model = load_shipped("chest-xray-cnn", &device.device).unwrap();
    (device, model)
}

/// A bundled chest X-ray, `sample_data/chest_xray_<name>.png`.
fn sample_scan(name: &str) -> advlens::imaging::Scan {
    load_scan(
        &repo(&format!("sample_data/chest_xray_{name}.png")),
        &LoadOptions::default(),
    )
    .unwrap()
}

/// What each defence's gradient really is, written out by hand (not derived from the code
/// under test): exact where the defence is built from differentiable tensor operations, BPDA
/// where it is not, EOT over the default 8 draws where it is random.
fn expected_route(kind: DefenseKind) -> &'static str {
    match kind {
        DefenseKind::Jpeg | DefenseKind::Median | DefenseKind::BitDepth => {
            "BPDA (straight-through) through the defence"
        }
        DefenseKind::GaussianBlur | DefenseKind::TvDenoise | DefenseKind::Wavelet => {
            "exact gradient through the defence"
        }
        DefenseKind::PixelDeflection | DefenseKind::MedRdf | DefenseKind::Smoothing => {
            "exact gradient through the defence, EOT over 8 draws"
        }
    }
}

#[test]
fn the_gradient_route_is_named_for_every_defence_and_adaptive_setting() {
    let (device, model) = chest_model();
    let scan = sample_scan("normal_2");
    for kind in DefenseKind::ALL {
        let mut defense = DefenseConfig::new(kind);
        defense.smoothing.samples = 20;
        defense.smoothing.selection = 4;
        for adaptive in [false, true] {
            for attack in [AttackKind::Fgsm, AttackKind::Noise] {
                let request = AttackRequest {
                    scan: scan.clone(),
                    spec: AttackSpec {
                        attack: AttackConfig::new(attack, 2.0 / 255.0),
                        true_label: None,
                        defense: Some(defense.clone()),
                        adaptive,
                        ..AttackSpec::default()
                    },
                };
                let result =
                    run_pipeline(&model, &request, &device, &AttackControl::default()).unwrap();
                let expected = match (attack, adaptive) {
                    (AttackKind::Noise, _) => "no gradient (random-noise control)",
                    (_, false) => "exact gradient of the undefended model",
                    (_, true) => expected_route(kind),
                };
                assert_eq!(
                    result.gradient_route.describe(),
                    expected,
                    "{kind:?}, adaptive {adaptive}, {attack:?}"
                );
            }
        }
    }
    let bare = AttackRequest {
        scan,
        spec: AttackSpec {
            attack: AttackConfig::new(AttackKind::Fgsm, 1.0 / 255.0),
            true_label: None,
            defense: None,
            adaptive: true,
            ..AttackSpec::default()
        },
    };
    let result = run_pipeline(&model, &bare, &device, &AttackControl::default()).unwrap();
    assert_eq!(result.gradient_route, GradientRoute::Model);
}

#[test]
fn the_bisected_flip_brackets_the_true_flip_of_fgsm_on_the_shipped_model() {
    let (device, model) = chest_model();
    let mut checked = 0;
    for sample in common::CHEST_SAMPLES.iter().take(3) {
        let scan = sample_scan(sample);
        let image = advlens::imaging::model_input_from_scan(&scan, 128, &device.device);
        let spec = SweepSpec {
            attack: AttackConfig::new(AttackKind::Fgsm, 0.0),
            max_epsilon: 8.0 / 255.0,
            points: 5,
            true_label: None,
            defense: None,
            versus: None,
        };
        let sweep = sweep_input(&model.models, &image, &spec, &AttackControl::default()).unwrap();
        let flip = sweep.flip.expect("FGSM flips the shipped model by 8/255");
        assert!(!flip.before_attack());
        // The grid step is 2/255: a grid point alone could be 2/255 off.
        assert!(
            flip.epsilon - flip.held <= FLIP_TOLERANCE_LINF + 1e-12,
            "{flip:?}"
        );
        assert!(
            sweep.points.len() > spec.points,
            "the probes join the curve"
        );
        // Check the bracket independently: FGSM along the same gradient, at both ends.
        let clean = probabilities(&model.models, &image).unwrap();
        let label = predicted_class(&clean[0]);
        assert_eq!(label, sweep.label);
        let gradient =
            FgsmGradient::compute(&model.models.differentiable, image.clone(), &[label], false)
                .unwrap();
        let at = |epsilon: f64| {
            predicted_class(&probabilities(&model.models, &gradient.apply(epsilon)).unwrap()[0])
        };
        assert_eq!(at(flip.held), label, "held end must not flip: {flip:?}");
        assert_ne!(at(flip.epsilon), label, "flip end must flip: {flip:?}");
        let at_flip = sweep
            .points
            .iter()
            .find(|p| p.epsilon == flip.epsilon)
            .expect("the dot lies on the curve");
        assert_eq!(at_flip.true_class_probability, flip.true_class_probability);
        if flip.bound == FlipBound::Bracketed {
            assert!(flip.describe(advlens::attacks::Norm::Linf).contains("= "));
        }
        checked += 1;
    }
    assert_eq!(checked, 3);
}

#[test]
fn an_optimised_attack_reports_an_upper_bound_that_really_flips() {
    let (device, model) = chest_model();
    let scan = sample_scan("normal_2");
    let image = advlens::imaging::model_input_from_scan(&scan, 128, &device.device);
    let spec = SweepSpec {
        attack: AttackConfig::new(AttackKind::Pgd, 0.0)
            .with_steps(5)
            .with_seed(3),
        max_epsilon: 8.0 / 255.0,
        points: 5,
        true_label: None,
        defense: None,
        versus: None,
    };
    let sweep = sweep_input(&model.models, &image, &spec, &AttackControl::default()).unwrap();
    let flip = sweep.flip.expect("PGD flips the shipped model by 8/255");
    assert!(!flip.before_attack());
    assert_eq!(
        flip.bound,
        FlipBound::AtMost,
        "PGD is re-optimised at every ε"
    );
    assert!(flip.describe(advlens::attacks::Norm::Linf).contains('≤'));
    assert!(flip.epsilon - flip.held <= FLIP_TOLERANCE_LINF + 1e-12);
    let point = sweep
        .points
        .iter()
        .find(|p| p.epsilon == flip.epsilon)
        .unwrap();
    assert!(sweep.flips(point), "the reported ε really flips");
}

#[test]
fn every_cli_attack_writes_a_recipe_that_replays_bit_exactly() {
    let first = tempfile::tempdir().unwrap();
    let output = advlens()
        .args(["attack", "--scan"])
        .arg(repo("sample_data/chest_xray_pneumonia_2.png"))
        .args([
            "--model",
            "chest-xray-cnn",
            "--attack",
            "pgd",
            "--eps",
            "2/255",
            "--steps",
            "5",
            "--seed",
            "7",
            "--defense",
            "tv",
            "--adaptive",
            "--device",
            "cpu",
            "--out",
        ])
        .arg(first.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let recipe_path = first.path().join("recipe.json");
    let recipe: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&recipe_path).unwrap()).unwrap();
    assert_eq!(recipe["gradient"], "exact gradient through the defence");
    assert_eq!(recipe["scan_file"], "chest_xray_pneumonia_2.png");
    let first_result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(first.path().join("result.json")).unwrap()).unwrap();
    assert_eq!(first_result["gradient"], recipe["gradient"]);
    assert!(
        first_result["files"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("recipe.json"))
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("gradient:    exact gradient through the defence"),
        "{stdout}"
    );

    let second = tempfile::tempdir().unwrap();
    let replay = advlens()
        .args(["attack", "--recipe"])
        .arg(&recipe_path)
        .arg("--scan")
        .arg(repo("sample_data/chest_xray_pneumonia_2.png"))
        .args(["--device", "cpu", "--out"])
        .arg(second.path())
        .output()
        .unwrap();
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    let second_result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(second.path().join("result.json")).unwrap()).unwrap();
    assert_eq!(first_result["adversarial"], second_result["adversarial"]);
    assert_eq!(first_result["linf"], second_result["linf"]);
    assert_eq!(
        std::fs::read(first.path().join("adversarial_16bit.png")).unwrap(),
        std::fs::read(second.path().join("adversarial_16bit.png")).unwrap(),
        "the replay must reproduce the adversarial image bit for bit"
    );
    assert!(second.path().join("recipe.json").is_file());
}

#[test]
fn auto_falling_back_to_the_cpu_prints_a_notice_and_no_error() {
    let out = tempfile::tempdir().unwrap();
    let output = advlens()
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("WAYLAND_DISPLAY")
        .args(["attack", "--scan"])
        .arg(repo("sample_data/chest_xray_normal_1.png"))
        .args([
            "--attack", "fgsm", "--eps", "1/255", "--device", "auto", "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let device_line = stderr
        .lines()
        .find(|line| line.starts_with("device: "))
        .unwrap_or_default()
        .to_string();
    if device_line.contains("CPU") {
        for line in stderr.lines() {
            assert!(
                !line.to_lowercase().contains("error"),
                "a successful CPU run printed an error line: {line}\n{stderr}"
            );
        }
        assert!(
            stderr.lines().filter(|l| l.starts_with("notice:")).count() <= 1,
            "{stderr}"
        );
    }
}

#[test]
fn every_bad_input_fixture_gives_one_line_that_names_the_file() {
    let folder = repo("tests/fixtures/bad");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 7);
    for file in &files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let Err(err) = load_scan(file, &LoadOptions::default()) else {
            panic!("{name} loaded without an error");
        };
        let message = err.to_string();
        assert!(!message.contains('\n'), "{name}: {message:?}");
        assert!(message.contains(&name), "{name}: {message}");

        let out = tempfile::tempdir().unwrap();
        // Under the hostile corpus's heap limit: a fixture saved because it made the reader
        // allocate gigabytes fails here if that comes back.
        let output = common::advlens_with_heap_limit()
            .args(["attack", "--scan"])
            .arg(file)
            .args(["--device", "cpu", "--out"])
            .arg(out.path())
            .output()
            .unwrap();
        assert!(!output.status.success(), "{name} should fail");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let error_lines: Vec<&str> = stderr
            .lines()
            .filter(|line| !line.starts_with("device: ") && !line.starts_with("notice: "))
            .collect();
        assert_eq!(error_lines.len(), 1, "{name}: {stderr}");
        assert!(error_lines[0].starts_with("error: "), "{name}: {stderr}");
        assert!(error_lines[0].contains(&name), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}
