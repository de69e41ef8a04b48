//! Segmentation from the command line, as a user runs it: `advlens segment` breaks the mask
//! (or the head circumference it gives) of every bundled ultrasound sample with PGD on the Dice
//! loss at 8/255, measuring with the side-car's pixel size; its recipe replays exactly and a
//! changed scan is refused; a defence reports its mask and a vote is refused; `advlens eval`
//! writes the Dice-vs-ε table; APGD on the mask breaks it too and its recipe replays exactly.

mod common;

use common::{advlens, run_ok, sample};

/// Replays `recipe` on `scan` with `advlens segment --recipe` and checks it says so.
fn assert_replays_exactly(recipe: &std::path::Path, scan: &str) {
    let replay = tempfile::tempdir().unwrap();
    let output = run_ok(advlens().args([
        "segment",
        "--recipe",
        &recipe.display().to_string(),
        "--scan",
        scan,
        "--device",
        "cpu",
        "--out",
        &replay.path().display().to_string(),
    ]));
    assert!(String::from_utf8_lossy(&output.stdout).contains("reproduced exactly"));
}

#[test]
fn pgd_on_the_dice_loss_breaks_every_bundled_sample_and_moves_its_circumference() {
    for stem in ["fetal_head_147", "fetal_head_325", "fetal_head_655"] {
        let out = tempfile::tempdir().unwrap();
        let mask = sample(&format!("{stem}_mask.png"));
        run_ok(advlens().args([
            "segment",
            "--scan",
            &sample(&format!("{stem}.png")),
            "--mask",
            &mask,
            "--attack",
            "pgd",
            "--loss",
            "dice",
            "--eps",
            "8/255",
            "--device",
            "cpu",
            "--out",
            &out.path().display().to_string(),
        ]));
        let text = std::fs::read_to_string(out.path().join("segmentation.json")).unwrap();
        let report: serde_json::Value = serde_json::from_str(&text).unwrap();
        let number = |key: &str| report[key].as_f64().unwrap_or(f64::NAN);
        assert!(number("clean_dice") > 0.93, "{stem}: {report}");
        // Broken: the outline is mostly wrong, or the head circumference it gives is off by
        // 10 mm or more (about two weeks of gestational age at mid-pregnancy), or no head is
        // found at all.
        let moved = (number("adversarial_hc_mm") - number("clean_hc_mm")).abs();
        assert!(
            number("adversarial_dice") < 0.6
                || moved >= 10.0
                || report["adversarial_hc_mm"].is_null(),
            "{stem}: {report}"
        );
        assert!(number("linf_255") <= 8.0 + 1e-3);
        // The side-car's pixel size gives millimetres; the official circumference is in it too.
        let sidecar: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(sample(&format!("{stem}.json"))).unwrap(),
        )
        .unwrap();
        let official = sidecar["official_hc_mm"].as_f64().unwrap();
        assert!(
            (number("clean_hc_mm") - official).abs() < 0.05 * official,
            "{stem}: {report}"
        );
        assert!(out.path().join("segmentation.png").is_file());
        assert!(
            !text.contains("sample_data/"),
            "no folder paths in the report"
        );
    }
}

#[test]
fn eval_writes_the_dice_table_that_falls_with_epsilon() {
    let out = tempfile::tempdir().unwrap();
    run_ok(advlens().args([
        "eval",
        "--model",
        "fetal-head-unet",
        "--attacks",
        "fgsm,pgd",
        "--loss",
        "bce,dice",
        "--eps",
        "0,2/255,8/255",
        "--steps",
        "5",
        "--limit",
        "8",
        "--device",
        "cpu",
        "--out",
        &out.path().display().to_string(),
    ]));
    let csv = std::fs::read_to_string(out.path().join("segmentation.csv")).unwrap();
    let rows: Vec<Vec<String>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 4 * 3, "{csv}");
    for row in rows.chunks(3) {
        let dice: Vec<f64> = row.iter().map(|r| r[4].parse().unwrap()).collect();
        assert!(
            dice[0] > 0.9 && dice[2] < dice[1] && dice[1] < dice[0],
            "{row:?}"
        );
        // PGD breaks the masks; one FGSM step on the BCE loss barely moves them.
        if row[0][0].starts_with("PGD") {
            assert!(dice[2] < dice[0] - 0.3, "{row:?}");
        }
    }
    let markdown = std::fs::read_to_string(out.path().join("segmentation.md")).unwrap();
    assert!(markdown.contains("PGD-5 (dice loss)") && markdown.contains("median HC error"));
}

#[test]
fn eval_confines_every_attack_to_a_region_and_says_so() {
    let dice_at_8 = |region: Option<&str>| {
        let out = tempfile::tempdir().unwrap();
        let mut command = advlens();
        command.args([
            "eval",
            "--model",
            "fetal-head-unet",
            "--attacks",
            "pgd",
            "--loss",
            "dice",
            "--eps",
            "0,8/255",
            "--steps",
            "5",
            "--limit",
            "4",
            "--device",
            "cpu",
            "--out",
            &out.path().display().to_string(),
        ]);
        if let Some(region) = region {
            command.args(["--region", region]);
        }
        run_ok(&mut command);
        let markdown = std::fs::read_to_string(out.path().join("segmentation.md")).unwrap();
        let csv = std::fs::read_to_string(out.path().join("segmentation.csv")).unwrap();
        let last: Vec<String> = csv
            .lines()
            .last()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        (markdown, last[4].parse::<f64>().unwrap())
    };
    let (whole_text, whole) = dice_at_8(None);
    let (confined_text, confined) = dice_at_8(Some("0.25,0.25,0.75,0.75"));
    assert!(!whole_text.contains("confined"));
    assert!(
        confined_text.contains("confined to the region 0.25,0.25,0.75,0.75"),
        "{confined_text}"
    );
    assert!(
        confined > whole + 0.1,
        "a quarter of the pixels breaks less: Dice {confined} against {whole}"
    );
}

#[test]
fn an_exported_recipe_replays_exactly_with_its_region_and_a_changed_scan_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let scan = sample("fetal_head_655.png");
    run_ok(advlens().args([
        "segment",
        "--scan",
        &scan,
        "--mask",
        &sample("fetal_head_655_mask.png"),
        "--attack",
        "pgd",
        "--loss",
        "target:grow:6",
        "--eps",
        "3/255",
        "--seed",
        "4",
        "--region",
        "0.1,0.2,0.9,0.8",
        "--device",
        "cpu",
        "--out",
        &out.path().display().to_string(),
    ]));
    let recipe = out.path().join("segmentation_recipe.json");
    let text = std::fs::read_to_string(&recipe).unwrap();
    assert!(text.contains("target:grow:6") && text.contains("fetal_head_655_mask.png"));
    assert!(
        text.contains("\"region\""),
        "the region is part of the recipe: {text}"
    );
    assert!(!text.contains("sample_data"), "file names only: {text}");
    assert_replays_exactly(&recipe, &scan);
    // Another scan under the recipe's name is refused, naming the reason.
    let moved = tempfile::tempdir().unwrap();
    std::fs::copy(
        sample("fetal_head_147.png"),
        moved.path().join("fetal_head_655.png"),
    )
    .unwrap();
    let refused = advlens()
        .args([
            "segment",
            "--recipe",
            &recipe.display().to_string(),
            "--scan",
            &moved
                .path()
                .join("fetal_head_655.png")
                .display()
                .to_string(),
            "--device",
            "cpu",
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("differs from the recipe") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn a_defence_in_front_of_the_segmenter_reports_its_mask_adaptively_too_and_a_vote_is_refused() {
    let out = tempfile::tempdir().unwrap();
    let base = |defence: &str| {
        let mut command = advlens();
        command.args([
            "segment",
            "--scan",
            &sample("fetal_head_147.png"),
            "--mask",
            &sample("fetal_head_147_mask.png"),
            "--attack",
            "pgd",
            "--eps",
            "4/255",
            "--defense",
            defence,
            "--device",
            "cpu",
            "--out",
            &out.path().display().to_string(),
        ]);
        command
    };
    run_ok(&mut base("median:3"));
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("segmentation.json")).unwrap(),
    )
    .unwrap();
    assert!(
        report["defense"].as_str().unwrap().contains("median"),
        "{report}"
    );
    let defended = report["defended_dice"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&defended), "{report}");
    assert_eq!(report["adaptive"], false, "{report}");
    // Through the defence: the report says so, and the defended mask is no better.
    run_ok(base("median:3").arg("--adaptive"));
    let adaptive: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("segmentation.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(adaptive["adaptive"], true, "{adaptive}");
    assert!(
        adaptive["defended_dice"].as_f64().unwrap() <= defended + 1e-6,
        "{adaptive}"
    );
    let refused = base("smoothing:0.25").output().unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("classifiers only") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn apgd_on_the_mask_breaks_it_in_eval_and_its_recipe_replays_exactly() {
    let out = tempfile::tempdir().unwrap();
    run_ok(advlens().args([
        "eval",
        "--model",
        "fetal-head-unet",
        "--attacks",
        "pgd,apgd",
        "--loss",
        "dice",
        "--eps",
        "0,4/255",
        "--steps",
        "10",
        "--limit",
        "8",
        "--device",
        "cpu",
        "--out",
        &out.path().display().to_string(),
    ]));
    let markdown = std::fs::read_to_string(out.path().join("segmentation.md")).unwrap();
    assert!(markdown.contains("APGD-10 (dice loss)"), "{markdown}");
    let csv = std::fs::read_to_string(out.path().join("segmentation.csv")).unwrap();
    let dice = |attack: &str, row: usize| -> f64 {
        let rows: Vec<&str> = csv.lines().filter(|l| l.starts_with(attack)).collect();
        rows[row].split(',').nth(4).unwrap().parse().unwrap()
    };
    assert!(
        dice("APGD", 1) < dice("APGD", 0) - 0.15,
        "APGD barely moved the masks: {csv}"
    );
    let scan = sample("fetal_head_147.png");
    let attacked = tempfile::tempdir().unwrap();
    run_ok(advlens().args([
        "segment",
        "--scan",
        &scan,
        "--attack",
        "apgd",
        "--loss",
        "bce",
        "--eps",
        "4/255",
        "--steps",
        "8",
        "--seed",
        "2",
        "--device",
        "cpu",
        "--out",
        &attacked.path().display().to_string(),
    ]));
    let recipe = attacked.path().join("segmentation_recipe.json");
    let text = std::fs::read_to_string(&recipe).unwrap();
    assert!(text.contains("apgd"), "{text}");
    assert_replays_exactly(&recipe, &scan);
}
