//! The lecture mode on the real app through `egui_kittest`: the scenario bar steps through
//! the bundled scenarios with the keys a clicker sends, each step restoring its model, attack
//! and views and reproducing its recording exactly; a scenario whose model is missing leaves
//! the state alone and says why; the current state saves as a scenario that reopens the same.

#[path = "common/window.rs"]
mod window;

use advlens::app::{AdvlensApp, Command, Reproduction};
use advlens::export::ViewKind;
use eframe::egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use window::{harness, settle};

fn settle_scenario(harness: &mut Harness<'_, AdvlensApp>) {
    harness.step();
    settle(harness);
    harness.run_steps(2);
}

#[test]
fn a_clicker_steps_through_scenarios_that_reproduce_exactly() {
    let mut harness = harness();
    settle(&mut harness);
    harness.get_by_label("Lecture").click();
    harness.run_steps(2);
    assert!(harness.state().lecture().shown);
    let count = harness.state().lecture().scenarios.len();
    assert!(count >= 8);
    for step in 0..3 {
        harness.key_press(Key::PageDown);
        settle_scenario(&mut harness);
        let lecture = harness.state().lecture();
        assert_eq!(lecture.current, Some(step));
        assert_eq!(
            lecture.reproduction,
            Some(Reproduction::Exact),
            "step {step}"
        );
        let scenario = &lecture.scenarios[step].scenario;
        assert_eq!(harness.state().settings().model, scenario.recipe.model);
        assert_eq!(harness.state().settings().spec, scenario.recipe.spec);
        harness.get_by_label_contains(&scenario.title);
        harness.get_by_label("reproduced exactly");
    }
    harness.key_press(Key::PageUp);
    settle_scenario(&mut harness);
    assert_eq!(harness.state().lecture().current, Some(1));
    // The explanation scenario shows only the views it names.
    let index = harness
        .state()
        .lecture()
        .scenarios
        .iter()
        .position(|f| !f.scenario.views.is_empty())
        .unwrap();
    harness.state_mut().push(Command::OpenScenario(index));
    settle_scenario(&mut harness);
    let lecture = harness.state().lecture();
    assert!(lecture.shows(ViewKind::Original) && !lecture.shows(ViewKind::Adversarial));
    assert_eq!(lecture.reproduction, Some(Reproduction::Exact));
}

#[test]
fn a_scenario_with_a_missing_model_changes_nothing_and_a_saved_one_reopens() {
    let mut harness = harness();
    settle(&mut harness);
    harness.state_mut().push(Command::ToggleLecture);
    harness.state_mut().push(Command::OpenScenario(0));
    settle_scenario(&mut harness);
    let before = harness.state().settings().clone();
    // A scenario file naming a model that is not installed.
    let folder = tempfile::tempdir().unwrap();
    let mut broken = harness.state().lecture().scenarios[1].scenario.clone();
    broken.recipe.model = "no-such-model".to_string();
    let broken_path = folder.path().join("broken.json");
    broken.save(&broken_path).unwrap();
    harness.state_mut().push(Command::LoadScenario(broken_path));
    harness.run_steps(2);
    assert!(
        harness
            .state()
            .errors()
            .iter()
            .any(|e| e.contains("no-such-model")),
        "{:?}",
        harness.state().errors()
    );
    assert_eq!(harness.state().settings(), &before);
    // Save what is on screen, then open the file: the same state, reproduced exactly.
    let saved = folder.path().join("mine.json");
    harness
        .state_mut()
        .push(Command::SaveScenario(Some(saved.clone())));
    harness.run_steps(2);
    assert!(saved.is_file(), "{:?}", harness.state().errors());
    harness.state_mut().push(Command::OpenScenario(2));
    settle_scenario(&mut harness);
    assert_ne!(harness.state().settings().spec, before.spec);
    harness.state_mut().push(Command::LoadScenario(saved));
    settle_scenario(&mut harness);
    assert_eq!(harness.state().settings().spec, before.spec);
    assert_eq!(harness.state().settings().model, before.model);
    assert_eq!(
        harness.state().lecture().reproduction,
        Some(Reproduction::Exact)
    );
}

#[test]
fn lecture_snapshot() {
    let Some(mut harness) = window::snapshot_harness([1440.0, 900.0]) else {
        return;
    };
    settle(&mut harness);
    harness.state_mut().push(Command::ToggleLecture);
    harness.state_mut().push(Command::OpenScenario(5));
    settle_scenario(&mut harness);
    assert_eq!(
        harness.state().lecture().reproduction,
        Some(Reproduction::Exact)
    );
    window::mask_labels(&mut harness, &[" ms"], 150.0);
    let options = egui_kittest::SnapshotOptions::new().max_failed_pixels(12_000);
    harness.snapshot_options("lecture", &options);
}
