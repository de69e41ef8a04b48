//! The lecture mode on the real app through `egui_kittest`: the scenario bar steps through
//! the bundled scenarios with the keys a clicker sends, each step restoring its model, attack
//! and views and reproducing its recording exactly; a scenario whose model is missing leaves
//! the state alone and says why; the current state saves as a scenario that reopens the same;
//! the segmenter's scenario opens the segmentation view and reproduces its mask, and the view's
//! state saves as a scenario too.

#[path = "common/window.rs"]
mod window;

use std::time::{Duration, Instant};

use advlens::app::{AdvlensApp, Command, Reproduction, Tab};
use advlens::export::ViewKind;
use advlens::recipe::Recipe;
use advlens::scenarios::{Scenario, ScenarioRecipe};
use eframe::egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use window::{harness, settle};

fn settle_scenario(harness: &mut Harness<'_, AdvlensApp>) {
    harness.step();
    settle(harness);
    harness.run_steps(2);
}

/// A classifier scenario's recipe.
fn recipe(scenario: &Scenario) -> &Recipe {
    match &scenario.recipe {
        ScenarioRecipe::Recipe(recipe) => recipe,
        ScenarioRecipe::SegmentationRecipe(_) => panic!("{} is a segmenter's", scenario.title),
    }
}

/// Steps frames until the scenario on screen has a verdict.
fn wait_for_verdict(harness: &mut Harness<'_, AdvlensApp>) {
    let started = Instant::now();
    while harness.state().lecture().reproduction == Some(Reproduction::Waiting) {
        harness.step();
        assert!(
            started.elapsed() < Duration::from_mins(2),
            "no verdict; segmentation error {:?}",
            harness.state().segmentation().error
        );
        std::thread::sleep(Duration::from_millis(20));
    }
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
        assert_eq!(harness.state().settings().model, recipe(scenario).model);
        assert_eq!(harness.state().settings().spec, recipe(scenario).spec);
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
    if let ScenarioRecipe::Recipe(recipe) = &mut broken.recipe {
        recipe.model = "no-such-model".to_string();
    }
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
fn the_segmenters_scenario_reproduces_its_mask_and_the_view_saves_as_a_scenario() {
    let mut harness = harness();
    settle(&mut harness);
    harness.state_mut().push(Command::ToggleLecture);
    harness.run_steps(2);
    let index = harness
        .state()
        .lecture()
        .scenarios
        .iter()
        .position(|f| matches!(f.scenario.recipe, ScenarioRecipe::SegmentationRecipe(_)))
        .expect("a bundled segmentation scenario");
    harness.state_mut().push(Command::OpenScenario(index));
    harness.run_steps(2);
    assert_eq!(harness.state().tab(), Tab::Segmentation);
    wait_for_verdict(&mut harness);
    assert_eq!(
        harness.state().lecture().reproduction,
        Some(Reproduction::Exact)
    );
    harness.get_by_label("reproduced exactly");
    let view = harness.state().segmentation();
    assert!(view.choices.attack.is_some() && view.choices.use_mask);
    // Change ε, save the view as a scenario, move away, reopen it: the same mask again.
    harness.state_mut().segmentation_choices_mut().epsilon_255 = 3.0;
    let started = Instant::now();
    loop {
        harness.step();
        let view = harness.state().segmentation();
        let answered = view
            .result
            .as_ref()
            .is_some_and(|(_, r)| r.attack.as_deref().is_some_and(|a| a.contains("3/255")));
        if answered && !view.waiting() {
            break;
        }
        assert!(started.elapsed() < Duration::from_mins(2));
        std::thread::sleep(Duration::from_millis(20));
    }
    let folder = tempfile::tempdir().unwrap();
    let saved = folder.path().join("mask.json");
    harness
        .state_mut()
        .push(Command::SaveScenario(Some(saved.clone())));
    harness.run_steps(2);
    assert!(saved.is_file(), "{:?}", harness.state().errors());
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("\"segmentation_recipe\""), "{text}");
    harness.state_mut().push(Command::OpenScenario(index));
    wait_for_verdict(&mut harness);
    harness.state_mut().push(Command::LoadScenario(saved));
    harness.run_steps(2);
    wait_for_verdict(&mut harness);
    assert_eq!(
        harness.state().lecture().reproduction,
        Some(Reproduction::Exact)
    );
    assert_eq!(harness.state().segmentation().choices.epsilon_255, 3.0);
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
