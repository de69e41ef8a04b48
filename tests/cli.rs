//! The real binary: `models --json`, `attack` writing its files and `result.json`, and clear
//! errors for bad input.

mod common;

use common::{advlens, chest_class_folder, sample};

#[test]
fn models_json_lists_the_required_fields() {
    let output = advlens().args(["models", "--json"]).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let models: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let list = models.as_array().unwrap();
    assert!(!list.is_empty());
    let keys_of = |kind: &str| match kind {
        "classifier" => ["name", "task", "classes", "arch", "test_accuracy"],
        "segmenter" => ["name", "task", "foreground", "arch", "test_dice"],
        other => panic!("unknown kind {other}"),
    };
    for model in list {
        let kind = model["kind"].as_str().unwrap();
        for key in keys_of(kind) {
            assert!(model.get(key).is_some(), "missing {key} in {model}");
        }
    }
    assert!(list.iter().any(|m| m["kind"] == "segmenter"));
}

#[test]
fn attack_writes_images_and_a_complete_result() {
    let out = tempfile::tempdir().unwrap();
    let output = advlens()
        .args([
            "attack",
            "--scan",
            &sample("chest_xray_pneumonia_1.png"),
            "--model",
            "chest-xray-cnn",
            "--attack",
            "pgd",
            "--eps",
            "2/255",
            "--steps",
            "10",
            "--defense",
            "median:3",
            "--device",
            "cpu",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for file in [
        "original.png",
        "adversarial.png",
        "adversarial_16bit.png",
        "perturbation.png",
        "explanation_clean.png",
        "explanation_adversarial.png",
        "result.json",
    ] {
        assert!(out.path().join(file).is_file(), "{file} missing");
    }
    let result: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("result.json")).unwrap()).unwrap();
    for key in [
        "clean",
        "adversarial",
        "success",
        "linf",
        "l2",
        "psnr",
        "ssim",
        "device",
        "elapsed_ms",
        "png8_success",
    ] {
        assert!(result.get(key).is_some(), "missing {key}");
    }
    assert_eq!(result["defended"]["defense"], "median 3×3");
    assert!(result["defended"]["adversarial"]["probs"].is_array());
    for side in ["clean", "adversarial"] {
        assert!(result[side]["label"].is_u64() && result[side]["probs"].is_array());
    }
    assert!(result["linf"].as_f64().unwrap() <= 2.0 / 255.0 + 1e-6);
    assert_eq!(result["device"], "CPU (Burn Flex)");
    let sixteen = image::open(out.path().join("adversarial_16bit.png")).unwrap();
    assert!(matches!(sixteen, image::DynamicImage::ImageLuma16(_)));
    assert!(
        !String::from_utf8_lossy(&std::fs::read(out.path().join("result.json")).unwrap())
            .contains("Patient")
    );
}

#[test]
fn bad_input_gives_a_clear_error_and_no_panic() {
    let out = tempfile::tempdir().unwrap();
    let garbage = out.path().join("broken.png");
    std::fs::write(&garbage, b"\x89PNG\r\n\x1a\nthis is not really a png").unwrap();
    for (args, expected) in [
        (
            vec![
                "attack",
                "--scan",
                garbage.to_str().unwrap(),
                "--device",
                "cpu",
            ],
            "could not decode",
        ),
        (
            vec!["attack", "--scan", "/no/such/file.dcm", "--device", "cpu"],
            "/no/such/file.dcm",
        ),
        (
            vec![
                "attack",
                "--scan",
                &sample("mr_small.dcm"),
                "--model",
                "no-such-model",
                "--device",
                "cpu",
            ],
            "no model named",
        ),
        (
            vec![
                "attack",
                "--scan",
                &sample("mr_small.dcm"),
                "--eps",
                "300/255",
                "--device",
                "cpu",
            ],
            "epsilon",
        ),
    ] {
        let output = advlens()
            .args(&args)
            .arg("--out")
            .arg(out.path().join("x"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} should fail");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn eval_on_a_class_folder_writes_matching_csv_and_markdown() {
    let data = chest_class_folder();
    let out = tempfile::tempdir().unwrap();
    let output = advlens()
        .args(["eval", "--model", "chest-xray-cnn", "--data"])
        .arg(data.path())
        .args([
            "--attacks",
            "fgsm,pgd",
            "--eps",
            "0,2/255",
            "--steps",
            "5",
            "--defense",
            "bits:5",
            "--adaptive",
            "--device",
            "cpu",
            "--out",
        ])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = std::fs::read_to_string(out.path().join("chest-xray-cnn-bits-adaptive.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 4, "{csv}");
    for row in &rows {
        let fields: Vec<&str> = row.split(',').collect();
        assert_eq!(fields[2], "true", "{row}");
        assert_eq!(fields[7], "6", "{row}");
        let accuracy: f64 = fields[6].parse().unwrap();
        assert!((0.0..=1.0).contains(&accuracy), "{row}");
        // Six images: every accuracy is a multiple of 1/6.
        assert!(
            ((accuracy * 6.0) - (accuracy * 6.0).round()).abs() < 1e-3,
            "{row}"
        );
    }
    let markdown =
        std::fs::read_to_string(out.path().join("chest-xray-cnn-bits-adaptive.md")).unwrap();
    assert!(markdown.contains("| PGD-5 |"), "{markdown}");
    assert!(markdown.contains("adaptive attack"), "{markdown}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("| FGSM |"), "{stdout}");
}

#[test]
fn eval_refuses_a_folder_without_class_folders() {
    let data = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(data.path().join("cats")).unwrap();
    let output = advlens()
        .args(["eval", "--model", "chest-xray-cnn", "--data"])
        .arg(data.path())
        .args(["--device", "cpu"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("not one of the model's classes"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn version_names_the_commit_and_the_backends() {
    let output = common::run_ok(common::advlens().arg("--version"));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with(&format!("advlens {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(
        text.contains("Burn wgpu") && text.contains("Burn Flex"),
        "{text}"
    );
}

#[test]
fn a_reader_that_stops_early_gets_no_panic() {
    // A pipe whose reading end is already closed, as after `| head -0`: every write fails.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = common::advlens()
        .arg("models")
        .stdout(writer)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(141), "{stderr}");
}
