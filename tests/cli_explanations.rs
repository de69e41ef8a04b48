//! The real binary's explanation options: the chosen method and how far its map moved, the
//! deletion and insertion curves, the sanity check with its image files, and the class and
//! block a map explains, with clear errors for ones that do not exist.

mod common;

use common::{advlens, sample};

/// A JSON file the attack wrote.
fn read_json(out: &std::path::Path, name: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join(name)).unwrap()).unwrap()
}

#[test]
fn attack_draws_the_chosen_explanation_and_reports_how_far_it_moved() {
    let out = tempfile::tempdir().unwrap();
    common::run_ok(
        advlens()
            .args(["attack", "--scan"])
            .arg(sample("chest_xray_normal_1.png"))
            .args([
                "--attack",
                "pgd",
                "--explain",
                "integrated-gradients",
                "--ig-steps",
                "8",
                "--ig-baseline",
                "blurred",
                "--device",
                "cpu",
                "--out",
            ])
            .arg(out.path()),
    );
    let result = read_json(out.path(), "result.json");
    assert_eq!(
        result["explanation"],
        "Integrated Gradients (8 steps from blurred)"
    );
    let shift = &result["explanation_shift"];
    let rho = shift["spearman"].as_f64().unwrap();
    assert!((-1.0..=1.0).contains(&rho));
    assert!((0.0..=1.0).contains(&shift["top_iou"].as_f64().unwrap()));
    assert!(shift["centroid_shift_px"].as_f64().unwrap() >= 0.0);
    // The recipe carries the explanation, so a replay redraws it.
    let recipe = read_json(out.path(), "recipe.json");
    assert_eq!(recipe["explain"]["method"], "integrated-gradients");
    let bad = advlens()
        .args(["attack", "--explain", "tea-leaves", "--scan"])
        .arg(sample("chest_xray_normal_1.png"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown explanation 'tea-leaves'"));
}

#[test]
fn attack_measures_deletion_and_insertion_curves_of_a_black_box_explanation() {
    let out = tempfile::tempdir().unwrap();
    let output = common::run_ok(
        advlens()
            .args(["attack", "--scan"])
            .arg(sample("chest_xray_pneumonia_1.png"))
            .args([
                "--attack",
                "fgsm",
                "--explain",
                "occlusion",
                "--occlusion-window",
                "32",
                "--occlusion-stride",
                "16",
                "--explain-curves",
                "--device",
                "cpu",
                "--out",
            ])
            .arg(out.path()),
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("faithfulness: deletion AUC"));
    let result = read_json(out.path(), "result.json");
    assert_eq!(result["explanation"], "Occlusion (32 px window, stride 16)");
    for which in ["clean", "adversarial"] {
        let curves = &result["faithfulness"][which];
        assert_eq!(curves["deletion"].as_array().unwrap().len(), 33, "{which}");
        assert_eq!(curves["insertion"].as_array().unwrap().len(), 33, "{which}");
        let auc = curves["deletion_auc"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&auc), "{which}: {auc}");
    }
    let recipe = read_json(out.path(), "recipe.json");
    assert_eq!(recipe["explain"]["deletion_insertion"], true);
    assert_eq!(recipe["explain"]["occlusion_window"], 32);
}

#[test]
fn attack_runs_the_sanity_check_and_writes_its_maps_and_raw_16_bit_maps() {
    let out = tempfile::tempdir().unwrap();
    let output = common::run_ok(
        advlens()
            .args(["attack", "--scan"])
            .arg(sample("chest_xray_normal_2.png"))
            .args([
                "--attack",
                "fgsm",
                "--explain-sanity",
                "--device",
                "cpu",
                "--out",
            ])
            .arg(out.path()),
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("sanity:      head ρ"));
    let result = read_json(out.path(), "result.json");
    let stages = result["sanity"]["stages"].as_array().unwrap();
    assert_eq!(stages.len(), 5, "head and four blocks of the compact CNN");
    assert_eq!(result["sanity"]["flagged"], false);
    let strip = image::open(out.path().join("sanity.png")).unwrap();
    assert_eq!((strip.width(), strip.height()), (6 * 128 + 5 * 4, 128));
    let raw = image::open(out.path().join("explanation_clean_16bit.png")).unwrap();
    assert!(matches!(raw, image::DynamicImage::ImageLuma16(_)));
}

#[test]
fn attack_explains_the_class_and_block_asked_for_and_names_them() {
    let out = tempfile::tempdir().unwrap();
    common::run_ok(
        advlens()
            .args(["attack", "--scan"])
            .arg(sample("chest_xray_normal_1.png"))
            .args([
                "--attack",
                "fgsm",
                "--explain-class",
                "pneumonia",
                "--explain-layer",
                "3",
                "--device",
                "cpu",
                "--out",
            ])
            .arg(out.path()),
    );
    let result = read_json(out.path(), "result.json");
    assert_eq!(
        result["explanation"],
        "Grad-CAM on block 3 for class PNEUMONIA"
    );
    assert_eq!(result["explanation_config"]["layer"], 2);
    assert_eq!(result["explanation_config"]["target"]["class"], 1);
    let bad = advlens()
        .args([
            "attack",
            "--explain-class",
            "glioma",
            "--device",
            "cpu",
            "--scan",
        ])
        .arg(sample("chest_xray_normal_1.png"))
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("unknown explanation class 'glioma'"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let no_block = advlens()
        .args([
            "attack",
            "--explain-layer",
            "5",
            "--device",
            "cpu",
            "--scan",
        ])
        .arg(sample("chest_xray_normal_1.png"))
        .output()
        .unwrap();
    assert!(!no_block.status.success());
}

#[test]
fn the_centroid_shift_is_in_millimetres_when_the_dicom_states_its_pixel_spacing() {
    // ct_small.dcm: 128 × 128 pixels of 0.661468 mm; the brain model's input is 128 × 128, so a
    // model pixel is one scan pixel.
    let out = tempfile::tempdir().unwrap();
    let output = common::run_ok(
        advlens()
            .args(["attack", "--scan"])
            .arg(sample("ct_small.dcm"))
            .args([
                "--model",
                "brain-mri-cnn",
                "--attack",
                "fgsm",
                "--device",
                "cpu",
                "--out",
            ])
            .arg(out.path()),
    );
    let shift = &read_json(out.path(), "result.json")["explanation_shift"];
    let pixels = shift["centroid_shift_px"].as_f64().unwrap();
    let millimetres = shift["centroid_shift_mm"].as_f64().unwrap();
    assert!(pixels > 1.0, "the map should move under FGSM: {pixels} px");
    assert!(
        (millimetres - pixels * 0.661_468).abs() < 1e-6,
        "{millimetres} mm"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains(" mm)"));
    // A PNG states no spacing: no millimetres.
    let png = tempfile::tempdir().unwrap();
    common::run_ok(
        advlens()
            .args(["attack", "--scan"])
            .arg(sample("chest_xray_normal_1.png"))
            .args(["--attack", "fgsm", "--device", "cpu", "--out"])
            .arg(png.path()),
    );
    let shift = &read_json(png.path(), "result.json")["explanation_shift"];
    assert!(shift.get("centroid_shift_mm").is_none());
}
