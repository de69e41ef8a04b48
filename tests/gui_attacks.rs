//! The window's attack menu for the newer families, driven through `egui_kittest` on the real
//! app: choosing a family runs it, a minimal attack hides ε and shows the size it needed, a
//! loaded universal perturbation is applied and described, a loaded patch moves with its
//! sliders, and JSMA offers the maximal (either-direction) variant.

#[path = "common/window.rs"]
mod window;

use advlens::attacks::{AttackKind, PatchPlacement, UniversalPerturbation};
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use window::{choose_family, harness, settle};

#[test]
fn choosing_another_attack_family_runs_it() {
    let mut harness = harness();
    choose_family(&mut harness, "Random noise (control)");
    settle(&mut harness);
    let result = harness.state().result().unwrap();
    assert_eq!(result.attack.kind, advlens::attacks::AttackKind::Noise);
    assert_eq!(result.gradient_evaluations, 0);
    harness.get_by_label_contains("Random noise of exactly the same size");
}

#[test]
fn a_minimal_attack_hides_epsilon_and_shows_the_size_it_needed() {
    let mut harness = harness();
    choose_family(&mut harness, "DeepFool (minimal)");
    harness.get_by_label_contains("No ε: this attack searches");
    harness.get_by_label("Run").click();
    harness.step();
    settle(&mut harness);
    let result = harness.state().result().unwrap().clone();
    assert_eq!(result.attack.kind, advlens::attacks::AttackKind::DeepFool);
    assert!(result.success, "DeepFool flips the bundled scan");
    harness.get_by_label_contains("needed ‖δ‖∞ =");
    harness.get_by_label_contains("none for a minimal attack");
}

#[test]
fn a_loaded_universal_perturbation_is_applied_and_described() {
    let mut harness = harness();
    settle(&mut harness);
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("uap.json");
    let epsilon = 3.0 / 255.0;
    let perturbation = UniversalPerturbation {
        model: "chest-xray-cnn".into(),
        epsilon,
        width: 128,
        height: 128,
        delta: (0..128 * 128)
            .map(|i| {
                if (i / 7) % 2 == 0 {
                    epsilon as f32
                } else {
                    -epsilon as f32
                }
            })
            .collect(),
        epochs: 1,
        source: "a test pattern".into(),
        fit_images: 10,
        fit_fooled: 3,
        held_out_images: 4,
        held_out_fooled: 1,
        patch: None,
    };
    std::fs::write(&path, serde_json::to_string(&perturbation).unwrap()).unwrap();
    harness
        .state_mut()
        .push(advlens::app::Command::LoadUniversal(path));
    harness.step();
    settle(&mut harness);
    let result = harness.state().result().unwrap().clone();
    assert_eq!(result.attack.kind, AttackKind::Universal);
    assert!(result.metrics.linf <= epsilon + 1e-6 && result.metrics.linf > 0.0);
    harness.get_by_label_contains("fools 25 % of 4 held-out scans");
    // A file that is not one leaves the attack and says why.
    let bad = folder.path().join("bad.json");
    std::fs::write(&bad, "{}").unwrap();
    harness
        .state_mut()
        .push(advlens::app::Command::LoadUniversal(bad));
    harness.step();
    assert!(
        harness
            .state()
            .errors()
            .iter()
            .any(|e| e.contains("not a universal perturbation")),
        "{:?}",
        harness.state().errors()
    );
}

#[test]
fn a_loaded_patch_is_pasted_where_its_sliders_put_it() {
    let mut harness = harness();
    settle(&mut harness);
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("patch.json");
    let side = 16;
    let patch = UniversalPerturbation {
        model: "chest-xray-cnn".into(),
        epsilon: 1.0,
        width: 128,
        height: 128,
        delta: vec![1.0; side * side],
        epochs: 1,
        source: "a white test square".into(),
        fit_images: 10,
        fit_fooled: 2,
        held_out_images: 4,
        held_out_fooled: 1,
        patch: Some(PatchPlacement {
            row: 0,
            column: 0,
            side,
        }),
    };
    std::fs::write(&path, serde_json::to_string(&patch).unwrap()).unwrap();
    harness
        .state_mut()
        .push(advlens::app::Command::LoadUniversal(path));
    harness.step();
    settle(&mut harness);
    let white_at = |result: &advlens::pipeline::AttackResult, row: usize, column: usize| {
        (0..side).all(|r| {
            (0..side).all(|c| {
                result
                    .adversarial
                    .get(column + c, row + r)
                    .is_some_and(|v| v > 0.999)
            })
        })
    };
    let first = harness.state().result().unwrap().clone();
    assert!(white_at(&first, 0, 0), "the patch sits at its fitted place");
    harness.get_by_label_contains("a 16×16 patch at (0, 0)");
    harness
        .get_by_role_and_label(Role::Slider, "row")
        .set_value_accesskit(40.0);
    harness.step();
    harness
        .get_by_role_and_label(Role::Slider, "column")
        .set_value_accesskit(100.0);
    harness.step();
    settle(&mut harness);
    let moved = harness.state().result().unwrap().clone();
    let placement = moved.attack.universal.as_ref().unwrap().patch.unwrap();
    assert_eq!((placement.row, placement.column), (40, 100));
    assert!(
        white_at(&moved, 40, 100),
        "the patch moved with the sliders"
    );
    assert!(!white_at(&moved, 0, 0), "and left its old place");
    // The column slider stops where the patch still fits.
    harness
        .get_by_role_and_label(Role::Slider, "column")
        .set_value_accesskit(127.0);
    harness.step();
    let column = harness
        .state()
        .settings()
        .spec
        .attack
        .universal
        .as_ref()
        .unwrap()
        .patch
        .unwrap()
        .column;
    assert_eq!(column, 128 - side);
}

#[test]
fn jsma_offers_brighten_darken_and_either() {
    let mut harness = harness();
    choose_family(&mut harness, "JSMA (sparse, L0)");
    harness.get_by_label("either").click();
    harness.step();
    let attack = harness.state().settings().spec.attack.clone();
    assert_eq!(attack.kind, AttackKind::Jsma);
    assert!(attack.jsma_both_directions);
    harness.get_by_label("darken").click();
    harness.step();
    let attack = harness.state().settings().spec.attack.clone();
    assert!(!attack.jsma_both_directions && attack.theta < 0.0);
}

#[test]
fn choosing_an_explanation_redraws_both_maps_with_it() {
    let mut harness = harness();
    settle(&mut harness);
    // FGSM runs at once when anything changes.
    harness.state_mut().settings_mut().spec.attack =
        advlens::attacks::AttackConfig::new(AttackKind::Fgsm, 4.0 / 255.0);
    harness
        .get_by_role_and_label(Role::ComboBox, "method")
        .click();
    harness.run_steps(3);
    harness.get_by_label("Eigen-CAM").click();
    harness.step();
    settle(&mut harness);
    let result = harness.state().result().unwrap().clone();
    assert_eq!(
        result.explanation.method,
        advlens::explain::ExplainMethod::EigenCam
    );
    harness.get_by_label_contains("Eigen-CAM moved: Spearman ρ");
    harness.get_by_label_contains("The main pattern in the last block");
}

#[test]
fn deletion_and_insertion_curves_appear_when_asked_for() {
    let mut harness = harness();
    settle(&mut harness);
    harness.state_mut().settings_mut().spec.attack =
        advlens::attacks::AttackConfig::new(AttackKind::Fgsm, 4.0 / 255.0);
    assert!(harness.state().result().unwrap().faithfulness.is_none());
    harness.get_by_label("deletion / insertion curves").click();
    harness.step();
    settle(&mut harness);
    let result = harness.state().result().unwrap().clone();
    let faithfulness = result.faithfulness.expect("curves measured");
    assert_eq!(faithfulness.clean.deletion.len(), 33);
    harness.get_by_label_contains("deletion AUC");
    harness.get_by_label_contains("insertion AUC");
}

#[test]
fn the_sanity_check_draws_its_curve_and_verdict() {
    let mut harness = harness();
    settle(&mut harness);
    harness.state_mut().settings_mut().spec.attack =
        advlens::attacks::AttackConfig::new(AttackKind::Fgsm, 4.0 / 255.0);
    harness
        .get_by_label("sanity check (randomise layers)")
        .click();
    harness.step();
    settle(&mut harness);
    let sanity = harness
        .state()
        .result()
        .unwrap()
        .sanity
        .clone()
        .expect("checked");
    assert!(!sanity.stages.is_empty());
    harness.get_by_label_contains("sanity check: ρ with the original map 1 →");
    harness.get_by_label_contains("passed: the map depends on the learned weights");
}
