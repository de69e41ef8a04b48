//! The real binary: `models --json`, `attack` writing its files and `result.json`, and clear
//! errors for bad input.

use std::path::Path;
use std::process::Command;

fn advlens() -> Command {
    Command::new(env!("CARGO_BIN_EXE_advlens"))
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name)
        .display()
        .to_string()
}

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
    for model in list {
        for key in ["name", "task", "classes", "arch", "test_accuracy"] {
            assert!(model.get(key).is_some(), "missing {key} in {model}");
        }
    }
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
        "gradcam_clean.png",
        "gradcam_adversarial.png",
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

/// The six bundled chest X-rays in a folder with one sub-folder per class.
fn chest_class_folder() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    for (class, names) in [
        ("NORMAL", ["normal_1", "normal_2", "normal_3"]),
        ("PNEUMONIA", ["pneumonia_1", "pneumonia_2", "pneumonia_3"]),
    ] {
        let folder = data.path().join(class);
        std::fs::create_dir_all(&folder).unwrap();
        for name in names {
            std::fs::copy(
                sample(&format!("chest_xray_{name}.png")),
                folder.join(format!("{name}.png")),
            )
            .unwrap();
        }
    }
    data
}

#[test]
fn eval_tables_the_stages_the_minimal_and_the_sparse_attacks() {
    let data = chest_class_folder();
    let out = tempfile::tempdir().unwrap();
    let output = advlens()
        .args(["eval", "--model", "chest-xray-cnn", "--data"])
        .arg(data.path())
        .args([
            "--attacks",
            "autoattack,deepfool,jsma",
            "--eps",
            "0,1/255",
            "--steps",
            "10",
            "--queries",
            "100",
            "--gamma",
            "0.002",
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
    let markdown = std::fs::read_to_string(out.path().join("chest-xray-cnn.md")).unwrap();
    for needle in [
        "| ↳ after APGD-CE |",
        "| ↳ after APGD-T (CE) |",
        "| AutoAttack-lite (APGD-10, Square-100q) |",
        "| DeepFool |",
        "- DeepFool: median ‖δ‖∞ =",
        "- JSMA (θ=1, γ=0.002): ",
    ] {
        assert!(
            markdown.contains(needle),
            "{needle} missing from\n{markdown}"
        );
    }
    // Each stage only removes robust scans: the accuracy at 1/255 never rises down the rows.
    let at_one = |row: &str| -> f64 {
        let line = markdown.lines().find(|l| l.starts_with(row)).unwrap();
        line.split('|').nth(3).unwrap().trim().parse().unwrap()
    };
    let stages = [
        at_one("| ↳ after APGD-CE"),
        at_one("| ↳ after APGD-T"),
        at_one("| AutoAttack-lite"),
    ];
    assert!(
        stages[1] <= stages[0] && stages[2] <= stages[1],
        "{stages:?}"
    );
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

/// Runs `advlens attack` with `args` into a fresh folder; returns the folder and `result.json`.
fn attack_run(args: &[&str]) -> (tempfile::TempDir, serde_json::Value) {
    let out = tempfile::tempdir().unwrap();
    let output = advlens()
        .arg("attack")
        .args(args)
        .args(["--device", "cpu", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result =
        serde_json::from_slice(&std::fs::read(out.path().join("result.json")).unwrap()).unwrap();
    (out, result)
}

#[test]
fn minimal_and_score_based_attacks_report_what_they_needed_and_replay_exactly() {
    let scan = sample("chest_xray_normal_2.png");
    let (out, deepfool) = attack_run(&[
        "--scan",
        &scan,
        "--model",
        "chest-xray-cnn",
        "--attack",
        "deepfool",
        "--norm",
        "l2",
    ]);
    assert_eq!(deepfool["success"], true);
    assert!(
        deepfool["epsilon_255"].is_null(),
        "a minimal attack has no ε"
    );
    let needed = deepfool["needed_norm"].as_f64().unwrap();
    assert!((needed - deepfool["l2"].as_f64().unwrap()).abs() < 1e-12);
    // The recipe replays the run.
    let replay_out = tempfile::tempdir().unwrap();
    let replay = advlens()
        .args(["attack", "--recipe"])
        .arg(out.path().join("recipe.json"))
        .args(["--scan", &scan, "--device", "cpu", "--out"])
        .arg(replay_out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&replay.stdout);
    assert!(
        replay.status.success() && stdout.contains("reproduced the recipe exactly"),
        "{stdout}"
    );
    let (_, square) = attack_run(&[
        "--scan",
        &scan,
        "--model",
        "chest-xray-cnn",
        "--attack",
        "square",
        "--eps",
        "8/255",
        "--queries",
        "300",
    ]);
    let queries = square["queries"].as_u64().unwrap();
    assert!((1..=300).contains(&queries), "{queries}");
    assert_eq!(square["gradient_evaluations"], 0);
    assert_eq!(
        square["gradient"],
        "no gradient: score queries to the model"
    );
    assert!(square["linf"].as_f64().unwrap() <= 8.0 / 255.0 + 1e-6);
}

#[test]
fn a_universal_perturbation_is_fitted_applied_and_tabled() {
    let data = chest_class_folder();
    let fitted = tempfile::tempdir().unwrap();
    let output = advlens()
        .args(["uap", "--model", "chest-xray-cnn", "--data"])
        .arg(data.path())
        .args([
            "--eps",
            "8/255",
            "--epochs",
            "2",
            "--held-out",
            "0.34",
            "--device",
            "cpu",
            "--out",
        ])
        .arg(fitted.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("fooling rate:"));
    let uap_path = fitted.path().join("uap.json");
    let uap: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&uap_path).unwrap()).unwrap();
    assert_eq!(uap["fit_images"], 4);
    assert_eq!(uap["held_out_images"], 2);
    let delta = uap["delta"].as_array().unwrap();
    assert_eq!(delta.len(), 128 * 128);
    assert!(
        delta
            .iter()
            .all(|d| d.as_f64().unwrap().abs() <= 8.0 / 255.0 + 1e-6)
    );
    assert!(fitted.path().join("uap.png").is_file());
    // Applied to one scan.
    let uap_arg = uap_path.to_string_lossy().to_string();
    let (_, result) = attack_run(&[
        "--scan",
        &sample("chest_xray_normal_3.png"),
        "--model",
        "chest-xray-cnn",
        "--attack",
        "universal",
        "--uap",
        &uap_arg,
    ]);
    assert!(result["linf"].as_f64().unwrap() <= 8.0 / 255.0 + 1e-6);
    assert_eq!(
        result["gradient"],
        "no gradient on this scan: a universal perturbation fitted on other scans"
    );
    // In the robustness table: fooled from the column whose ε holds it.
    let out = tempfile::tempdir().unwrap();
    let table = advlens()
        .args(["eval", "--model", "chest-xray-cnn", "--data"])
        .arg(data.path())
        .args([
            "--attacks",
            "universal",
            "--uap",
            &uap_arg,
            "--eps",
            "0,4/255,8/255",
        ])
        .args(["--device", "cpu", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        table.status.success(),
        "{}",
        String::from_utf8_lossy(&table.stderr)
    );
    let markdown = std::fs::read_to_string(out.path().join("chest-xray-cnn.md")).unwrap();
    assert!(markdown.contains("| UAP |"), "{markdown}");
    // Without --uap the command says what is missing.
    let missing = advlens()
        .args([
            "attack",
            "--scan",
            &sample("chest_xray_normal_3.png"),
            "--attack",
            "universal",
        ])
        .args(["--device", "cpu", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--uap"));
}

#[test]
fn an_adversarial_patch_changes_only_its_square() {
    let data = chest_class_folder();
    let fitted = tempfile::tempdir().unwrap();
    let output = advlens()
        .args(["uap", "--model", "chest-xray-cnn", "--data"])
        .arg(data.path())
        .args([
            "--patch",
            "8",
            "--at",
            "20,30",
            "--epochs",
            "2",
            "--held-out",
            "0.34",
            "--device",
            "cpu",
            "--out",
        ])
        .arg(fitted.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("adversarial patch 8×8 at (20, 30)"));
    let uap_path = fitted.path().join("uap.json");
    let uap: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&uap_path).unwrap()).unwrap();
    assert_eq!(uap["delta"].as_array().unwrap().len(), 64);
    let out = tempfile::tempdir().unwrap();
    let run = advlens()
        .args([
            "attack",
            "--scan",
            &sample("chest_xray_normal_3.png"),
            "--attack",
            "universal",
        ])
        .arg("--uap")
        .arg(&uap_path)
        .args(["--device", "cpu", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let original = image::open(out.path().join("original.png"))
        .unwrap()
        .to_luma8();
    let adversarial = image::open(out.path().join("adversarial.png"))
        .unwrap()
        .to_luma8();
    for (x, y, pixel) in adversarial.enumerate_pixels() {
        let inside = (30..38).contains(&x) && (20..28).contains(&y);
        if !inside {
            assert_eq!(
                pixel,
                original.get_pixel(x, y),
                "({x}, {y}) changed outside the patch"
            );
        }
    }
}
