//! The bundled lecture scenarios: at least eight, each with words for the hall, and each
//! reproducing its recorded class and probabilities bit for bit (or, for a segmenter, its
//! attacked mask) when replayed on the CPU; a scenario whose scan or model is missing says
//! which.

use advlens::device::ComputeDevice;
use advlens::scenarios::{Scenario, ScenarioError, ScenarioRecipe, bundled_scenarios};

#[test]
fn every_bundled_scenario_reproduces_its_recording() {
    let scenarios = bundled_scenarios().unwrap();
    assert!(scenarios.len() >= 8, "{} scenarios", scenarios.len());
    assert!(
        scenarios
            .iter()
            .any(|f| matches!(f.scenario.recipe, ScenarioRecipe::SegmentationRecipe(_))),
        "a segmenter's scenario is bundled"
    );
    let device = ComputeDevice::cpu();
    for file in &scenarios {
        let scenario = &file.scenario;
        assert!(!scenario.title.is_empty() && scenario.narration.len() > 60);
        assert!(
            scenario.narration.matches(". ").count() >= 1,
            "two or three sentences: {}",
            scenario.title
        );
        let outcome = scenario.run(&file.path, &device).unwrap();
        assert!(
            scenario.reproduced_by(&outcome),
            "{}: {} vs recorded {}",
            scenario.title,
            outcome.verdict(),
            scenario.recipe.recorded()
        );
        // Saved and read back, a scenario is unchanged.
        let copy = tempfile::NamedTempFile::new().unwrap();
        scenario.save(copy.path()).unwrap();
        assert_eq!(&Scenario::load(copy.path()).unwrap(), scenario);
    }
}

#[test]
fn a_missing_scan_or_model_is_named() {
    let first = bundled_scenarios().unwrap().remove(0);
    let folder = tempfile::tempdir().unwrap();
    let mut scenario = first.scenario.clone();
    let ScenarioRecipe::Recipe(recipe) = &mut scenario.recipe else {
        panic!("the first scenario is a classifier's");
    };
    recipe.scan_file = "not_here.png".to_string();
    let path = folder.path().join("s.json");
    let err = scenario.locate_scan(&path).unwrap_err();
    assert!(matches!(err, ScenarioError::Scan { .. }));
    assert!(err.to_string().contains("not_here.png"), "{err}");
    let mut scenario = first.scenario;
    if let ScenarioRecipe::Recipe(recipe) = &mut scenario.recipe {
        recipe.model = "no-such-model".to_string();
    }
    let err = scenario
        .run(&first.path, &ComputeDevice::cpu())
        .unwrap_err();
    assert!(err.to_string().contains("no-such-model"), "{err}");
}
