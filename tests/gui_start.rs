//! How the window starts: a model named on the command line (`advlens gui --model NAME`) is the
//! one it opens with, and a name that is not shipped is said in the window, not a crash.

#[path = "common/window.rs"]
mod window;

use advlens::app::{AdvlensApp, AppOptions};
use egui_kittest::Harness;
use window::{options, settle};

fn harness_with_model(model: &str) -> Harness<'static, AdvlensApp> {
    let model = model.to_string();
    Harness::builder()
        .with_size([1400.0, 1300.0])
        .build_eframe(move |cc| {
            AdvlensApp::new(
                cc,
                AppOptions {
                    model: Some(model.clone()),
                    ..options()
                },
            )
        })
}

#[test]
fn the_window_starts_with_the_model_asked_for() {
    let mut harness = harness_with_model("brain-mri-cnn");
    settle(&mut harness);
    let app = harness.state();
    assert_eq!(app.settings().model, "brain-mri-cnn");
    assert_eq!(
        app.result().unwrap().clean.probs.len(),
        4,
        "a 4-class result"
    );
    assert!(app.errors().is_empty(), "{:?}", app.errors());
}

#[test]
fn an_unknown_model_is_said_and_the_default_one_runs() {
    let mut harness = harness_with_model("no-such-model");
    settle(&mut harness);
    let app = harness.state();
    assert_eq!(app.settings().model, "chest-xray-cnn");
    assert_eq!(app.result().unwrap().clean.probs.len(), 2);
    assert!(
        app.errors()
            .iter()
            .any(|e| e.contains("no shipped model is called 'no-such-model'")
                && e.contains("brain-mri-resnet18")
                && e.contains("starting with chest-xray-cnn")),
        "{:?}",
        app.errors()
    );
}
