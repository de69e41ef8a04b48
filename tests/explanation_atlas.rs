//! The explanation atlas: every method's pair of maps on one result, consistent with the
//! result's own explanation, and the CLI page that draws them.

mod common;

use advlens::attacks::{AttackConfig, AttackControl, AttackKind};
use advlens::device::ComputeDevice;
use advlens::explain::{ExplainConfig, ExplainMethod};
use advlens::models::load_shipped;
use advlens::pipeline::{AttackRequest, AttackSpec, explanation_atlas, run_pipeline};

#[test]
fn the_atlas_holds_every_method_and_agrees_with_the_results_own_map() {
    let device = ComputeDevice::cpu();
    let model = load_shipped("chest-xray-cnn", &device.device).unwrap();
    let scan = common::sample_scan("chest_xray_pneumonia_1.png");
    let explain = ExplainConfig {
        samples: 4,
        steps: 8,
        ..ExplainConfig::new(ExplainMethod::LayerCam)
    };
    let request = AttackRequest {
        scan,
        spec: AttackSpec {
            attack: AttackConfig::new(AttackKind::Fgsm, 2.0 / 255.0),
            explain: explain.clone(),
            ..AttackSpec::default()
        },
    };
    let result = run_pipeline(&model, &request, &device, &AttackControl::default()).unwrap();
    let atlas = explanation_atlas(&model, &result, &explain, &device).unwrap();
    let methods: Vec<ExplainMethod> = atlas.iter().map(|entry| entry.method).collect();
    assert_eq!(methods, ExplainMethod::ALL.to_vec());
    for entry in &atlas {
        for map in [&entry.clean, &entry.adversarial] {
            assert_eq!(
                (map.width, map.height),
                (result.original.width, result.original.height)
            );
            assert!(
                map.pixels
                    .iter()
                    .all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
                "{:?}",
                entry.method
            );
        }
    }
    let own = atlas
        .iter()
        .find(|entry| entry.method == ExplainMethod::LayerCam)
        .unwrap();
    assert_eq!(own.clean, result.explanation_clean);
    assert_eq!(own.adversarial, result.explanation_adversarial);
    assert_eq!(own.shift.spearman, result.explanation_shift.spearman);
}

#[test]
fn attack_draws_the_atlas_page_when_asked() {
    let out = tempfile::tempdir().unwrap();
    common::run_ok(
        common::advlens()
            .args(["attack", "--scan"])
            .arg(common::sample("chest_xray_normal_2.png"))
            .args([
                "--attack",
                "fgsm",
                "--explain-atlas",
                "--explain-samples",
                "4",
                "--ig-steps",
                "8",
                "--device",
                "cpu",
                "--out",
            ])
            .arg(out.path()),
    );
    let page = image::open(out.path().join("explanation_atlas.png")).unwrap();
    // Six methods a row, two rows of clean-over-adversarial pairs.
    assert_eq!((page.width(), page.height()), (1228, 870));
    let result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("result.json")).unwrap()).unwrap();
    assert!(
        result["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|file| file == "explanation_atlas.png")
    );
}
