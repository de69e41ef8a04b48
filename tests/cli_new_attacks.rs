//! The real binary with the newer attacks: what the minimal and score-based ones report and a
//! recipe replay; `eval`'s AutoAttack stage rows and its rows for the attacks without ε; a
//! universal perturbation and an adversarial patch fitted by `advlens uap`, applied to a scan
//! and tabled.

mod common;

use common::{advlens, chest_class_folder, run_ok, sample};

/// Runs `advlens uap` on the six bundled X-rays (two epochs, two scans held out) with `args`;
/// returns the output folder and what it printed.
fn fit_uap(data: &tempfile::TempDir, args: &[&str]) -> (tempfile::TempDir, String) {
    let fitted = tempfile::tempdir().unwrap();
    let output = run_ok(
        advlens()
            .args(["uap", "--model", "chest-xray-cnn", "--data"])
            .arg(data.path())
            .args(["--epochs", "2", "--held-out", "0.34", "--device", "cpu"])
            .args(args)
            .arg("--out")
            .arg(fitted.path()),
    );
    (fitted, String::from_utf8_lossy(&output.stdout).to_string())
}

/// Runs `advlens attack` with `args` into a fresh folder; returns the folder and `result.json`.
fn attack_run(args: &[&str]) -> (tempfile::TempDir, serde_json::Value) {
    let out = tempfile::tempdir().unwrap();
    run_ok(
        advlens()
            .arg("attack")
            .args(args)
            .args(["--device", "cpu", "--out"])
            .arg(out.path()),
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
    let (fitted, stdout) = fit_uap(&data, &["--eps", "8/255"]);
    assert!(stdout.contains("fooling rate:"));
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
    run_ok(
        advlens()
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
            .arg(out.path()),
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
    let (fitted, stdout) = fit_uap(&data, &["--patch", "8", "--at", "20,30"]);
    assert!(
        stdout.contains("adversarial patch 8×8 at (20, 30)"),
        "{stdout}"
    );
    let uap_path = fitted.path().join("uap.json");
    let uap: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&uap_path).unwrap()).unwrap();
    assert_eq!(uap["delta"].as_array().unwrap().len(), 64);
    let out = tempfile::tempdir().unwrap();
    run_ok(
        advlens()
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
            .arg(out.path()),
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

#[test]
fn eval_tables_the_stages_the_minimal_and_the_sparse_attacks() {
    let data = chest_class_folder();
    let out = tempfile::tempdir().unwrap();
    run_ok(
        advlens()
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
            .arg(out.path()),
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
fn eval_measures_how_far_attacks_move_the_explanation() {
    let data = chest_class_folder();
    let out = tempfile::tempdir().unwrap();
    run_ok(
        advlens()
            .args(["eval", "--model", "chest-xray-cnn", "--data"])
            .arg(data.path())
            .args([
                "--attacks",
                "fgsm,deepfool",
                "--eps",
                "0,8/255",
                "--explain",
                "gradcam",
                "--explain-curves",
                "--device",
                "cpu",
                "--out",
            ])
            .arg(out.path()),
    );
    let csv = std::fs::read_to_string(out.path().join("chest-xray-cnn-gradcam-shift.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    // One row: FGSM at 8/255 (no row at ε = 0, none for DeepFool, which has no ε).
    assert_eq!(lines.len(), 2, "{csv}");
    let cells: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(cells[0], "FGSM");
    assert_eq!(cells[2], "6", "six scans");
    let number = |index: usize| cells[index].parse::<f64>().unwrap();
    // FGSM at 8/255 flips some of these scans, and the map moves: the median top-10 % IoU
    // is below 1 and the median centroid shift above 0.
    assert!(number(3) > 0.0, "nothing flipped: {csv}");
    assert!(number(8) < 1.0, "the map did not move: {csv}");
    assert!(number(11) > 0.0, "the centroid did not move: {csv}");
    assert!((-1.0..=1.0).contains(&number(5)));
    // Deletion and insertion areas of the clean and adversarial maps, each in [0, 1].
    assert_eq!(cells.len(), 17, "{csv}");
    assert!((13..17).all(|i| (0.0..=1.0).contains(&number(i))), "{csv}");
    let markdown =
        std::fs::read_to_string(out.path().join("chest-xray-cnn-gradcam-shift.md")).unwrap();
    assert!(markdown.contains("how far Grad-CAM moves"), "{markdown}");
    assert!(markdown.contains("deletion AUC"), "{markdown}");
}
