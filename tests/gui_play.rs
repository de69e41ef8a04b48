//! *Play* and *Export animation…* in the real app through `egui_kittest`: Play steps ε from 0
//! to the slider's largest value one drawn result at a time, and the exported GIF holds the
//! 24 frames of the current attack from ε 0 to the current ε; the iteration replay shows each
//! step of PGD once, in order, and stays on the answer.

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
    let frames = advlens::export::count_gif_frames(&path).unwrap();
    assert_eq!(frames, 24);
}

#[test]
fn the_replay_shows_each_step_then_stays_on_the_attack_s_answer() {
    let mut harness = harness();
    settle(&mut harness);
    let attack =
        advlens::attacks::AttackConfig::new(advlens::attacks::AttackKind::Pgd, 2.0 / 255.0)
            .with_steps(5)
            .with_seed(3);
    harness.state_mut().settings_mut().spec.attack = attack;
    harness.state_mut().settings_mut().play_speed = 30.0;
    harness.state_mut().push(Command::AttackChanged {
        run: true,
        sweep: false,
    });
    harness.step();
    settle(&mut harness);
    let answer = harness.state().result().unwrap().clone();
    harness.get_by_label("Replay steps").click();
    harness.run_steps(2);
    let started = Instant::now();
    let mut shown: Vec<String> = Vec::new();
    while harness.state().is_busy() || harness.state().replay_progress().is_some() {
        harness.step();
        if let Some(note) = harness.state().result().and_then(|r| r.notes.first())
            && shown.last() != Some(note)
            && note.starts_with("iteration")
        {
            shown.push(note.clone());
        }
        assert!(started.elapsed() < Duration::from_mins(2));
        std::thread::sleep(Duration::from_millis(5));
    }
    let expected: Vec<String> = (1..=5).map(|k| format!("iteration {k} of 5")).collect();
    assert_eq!(shown, expected, "every step once, in order");
    let last = harness.state().result().unwrap();
    assert_eq!(last.adversarial, answer.adversarial, "the answer stays");
    assert_eq!(
        last.adversarial_prediction.probs,
        answer.adversarial_prediction.probs
    );
}
