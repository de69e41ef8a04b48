//! *Play* and *Export animation…* in the real app through `egui_kittest`: Play steps ε from 0
//! to the slider's largest value one drawn result at a time, and the exported GIF holds the
//! 24 frames of the current attack from ε 0 to the current ε.

#[path = "common/window.rs"]
mod window;

use std::time::{Duration, Instant};

use advlens::app::Command;
use advlens::attacks::epsilon_limit;
use egui_kittest::kittest::Queryable;
use window::{harness, settle};

#[test]
fn play_steps_to_the_largest_epsilon_and_the_animation_has_every_frame() {
    let mut harness = harness();
    settle(&mut harness);
    harness.get_by_label("Play").click();
    harness.run_steps(2);
    assert!(harness.state().is_playing());
    harness.get_by_label("Stop");
    let started = Instant::now();
    let mut epsilons = Vec::new();
    while harness.state().is_playing() {
        harness.step();
        let epsilon = harness.state().settings().spec.attack.epsilon;
        if epsilons.last() != Some(&epsilon) {
            epsilons.push(epsilon);
        }
        assert!(started.elapsed() < Duration::from_mins(2));
        std::thread::sleep(Duration::from_millis(10));
    }
    settle(&mut harness);
    let settings = harness.state().settings();
    let largest = epsilon_limit(settings.spec.attack.norm(), settings.max_epsilon_255);
    assert!((settings.spec.attack.epsilon - largest).abs() < 1e-12);
    assert!(
        epsilons.windows(2).all(|pair| pair[0] < pair[1]),
        "ε only rises"
    );
    assert!(epsilons.len() >= 30, "{} steps", epsilons.len());
    assert_eq!(harness.state().result().unwrap().attack.epsilon, largest);

    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("flip.gif");
    harness.state_mut().settings_mut().spec.attack.epsilon = 4.0 / 255.0;
    harness
        .state_mut()
        .push(Command::ExportAnimation(Some(path.clone())));
    let started = Instant::now();
    while harness.state().last_export() != Some(path.display().to_string().as_str()) {
        harness.step();
        assert!(
            started.elapsed() < Duration::from_mins(2),
            "{:?}",
            harness.state().errors()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options
        .read_info(std::fs::File::open(&path).unwrap())
        .unwrap();
    let mut frames = 0;
    while decoder.read_next_frame().unwrap().is_some() {
        frames += 1;
    }
    assert_eq!(frames, 24);
}
