//! Compare mode and the two-attack sweep on the real app through `egui_kittest`: a pinned run
//! beside the current one shows exactly the numbers each run gives alone (the one-click robust
//! twin included), both rows are drawn at one size, unpinning returns to one result; a second
//! attack's curve on the sweep equals that attack's own sweep.

#[path = "common/window.rs"]
mod window;

use advlens::app::{AdvlensApp, Command, CompareSide, comparison_rows};
use advlens::attacks::{AttackConfig, AttackKind};
use advlens::pipeline::AttackResult;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use window::{harness, settle};

fn run(harness: &mut Harness<'_, AdvlensApp>, attack: AttackConfig) {
    harness.state_mut().settings_mut().spec.attack = attack;
    harness.state_mut().push(Command::AttackChanged {
        run: true,
        sweep: true,
    });
    harness.step();
    settle(harness);
}

fn fgsm() -> AttackConfig {
    AttackConfig::new(AttackKind::Fgsm, 3.0 / 255.0)
}

/// What a run alone gives: the result of `attack` on the bundled scan with `model`.
fn alone(model: &str, attack: AttackConfig) -> AttackResult {
    let mut harness = harness();
    settle(&mut harness);
    if harness.state().settings().model != model {
        harness
            .state_mut()
            .push(Command::SelectModel(model.to_string()));
        harness.step();
        settle(&mut harness);
    }
    run(&mut harness, attack);
    assert_eq!(harness.state().settings().model, model);
    harness.state().result().unwrap().clone()
}

fn same_numbers(shown: &AttackResult, alone: &AttackResult, what: &str) {
    assert_eq!(shown.clean.probs, alone.clean.probs, "{what}: clean");
    assert_eq!(
        shown.adversarial_prediction.probs, alone.adversarial_prediction.probs,
        "{what}: attacked"
    );
    assert_eq!(shown.metrics, alone.metrics, "{what}: metrics");
    assert_eq!(shown.adversarial.pixels, alone.adversarial.pixels, "{what}");
}

#[test]
fn compare_mode_shows_each_run_as_it_is_alone_and_the_twin_is_one_click() {
    let standard = alone("chest-xray-cnn", fgsm());
    let robust = alone("chest-xray-cnn-robust", fgsm());

    let mut harness = harness();
    settle(&mut harness);
    run(&mut harness, fgsm());
    harness
        .get_by_label("Compare with chest-xray-cnn-robust")
        .click();
    harness.step();
    settle(&mut harness);
    harness.run_steps(2);
    let app = harness.state();
    assert_eq!(app.settings().model, "chest-xray-cnn-robust");
    let pinned = app.pinned().expect("pinned by the one click");
    assert_eq!(pinned.side.model, "chest-xray-cnn");
    same_numbers(&pinned.side.result, &standard, "pinned");
    same_numbers(app.result().unwrap(), &robust, "current");

    // Both rows are drawn: four views each, the pinned row above, all the same size.
    let views = app.layout().views.clone();
    assert_eq!(views.len(), 8, "{views:?}");
    assert!(views[0].bottom() <= views[4].top());
    assert!(
        views
            .iter()
            .all(|v| (v.width() - views[0].width()).abs() < 0.5)
    );

    // The table shows both runs' numbers and their difference.
    let current = CompareSide {
        result: std::sync::Arc::new(robust.clone()),
        model: "chest-xray-cnn-robust".to_string(),
        classes: vec!["NORMAL".to_string(), "PNEUMONIA".to_string()],
    };
    let rows = comparison_rows(&pinned.side, &current);
    harness.get_by_label("Pinned vs now");
    // The wall-clock time is the one number a rerun does not repeat.
    for row in rows.iter().filter(|r| r.name != "Time (ms)") {
        for text in [&row.pinned, &row.current, &row.difference] {
            assert!(
                harness.query_all_by_label(text).next().is_some(),
                "{}: {text:?} not shown",
                row.name
            );
        }
    }
    let attacked = rows
        .iter()
        .find(|r| r.name == "p(NORMAL), attacked")
        .unwrap();
    let p = |r: &AttackResult| r.adversarial_prediction.probs[r.label];
    assert_eq!(
        attacked.difference,
        format!("{:+.4}", p(&robust) - p(&standard))
    );

    harness.get_by_label("Unpin").click();
    harness.run_steps(2);
    assert!(harness.state().pinned().is_none());
    assert_eq!(harness.state().layout().views.len(), 5);
}

#[test]
fn a_second_attack_s_curve_equals_its_own_sweep() {
    let mut harness = harness();
    settle(&mut harness);
    run(
        &mut harness,
        AttackConfig::new(AttackKind::Pgd, 2.0 / 255.0),
    );
    let pgd_alone = harness.state().sweep().unwrap().clone();
    assert!(pgd_alone.versus.is_none());

    harness.state_mut().settings_mut().sweep_versus = Some(AttackKind::Pgd);
    run(&mut harness, fgsm());
    let sweep = harness.state().sweep().unwrap().clone();
    let versus = sweep.versus.as_ref().expect("the second curve");
    assert_eq!(versus.attack.kind, AttackKind::Pgd);
    assert_eq!(versus.points, pgd_alone.points, "same grid, seed and label");
    assert_eq!(versus.flip, pgd_alone.flip);
    assert!(sweep.points.len() > versus.points.len(), "FGSM's own grid");
    // The legend names both curves and their flip points.
    for name in ["FGSM:", "PGD-20:"] {
        assert!(
            harness.query_all_by_label_contains(name).next().is_some(),
            "{name}"
        );
    }
}

/// Compare mode rendered with wgpu (software Vulkan where there is no GPU) at a laptop's size:
/// the standard model against its robust twin under FGSM, both rows and the table; timings
/// masked.
#[test]
fn compare_mode_snapshot() {
    let Some(mut harness) = window::snapshot_harness([1440.0, 900.0]) else {
        return;
    };
    settle(&mut harness);
    run(&mut harness, fgsm());
    harness.state_mut().push(Command::CompareWithTwin);
    harness.step();
    settle(&mut harness);
    harness.run_steps(3);
    window::mask_labels(&mut harness, &[" ms", "Time (ms)"], 400.0);
    let options = egui_kittest::SnapshotOptions::new().max_failed_pixels(13_000);
    harness.snapshot_options("compare_mode", &options);
}
