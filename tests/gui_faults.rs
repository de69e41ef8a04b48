//! Fault injection in the real app through `egui_kittest` (its own test binary: the switch is
//! process-wide): an attack, a defence and an explanation that panic each show an error in the
//! banner, keep the previous result on screen, and leave the window able to run the next
//! request.

#[path = "common/window.rs"]
mod window;

use std::time::{Duration, Instant};

use advlens::app::{AdvlensApp, Command};
use advlens::attacks::{AttackConfig, AttackKind};
use advlens::defenses::DefenseConfig;
use advlens::fault::{FaultStage, inject_next};
use egui_kittest::Harness;
use window::{harness, settle};

/// Runs the current settings' attack and waits until the worker has answered (a result or an
/// error).
fn run_and_wait(harness: &mut Harness<'_, AdvlensApp>) {
    harness.state_mut().push(Command::AttackChanged {
        run: true,
        sweep: false,
    });
    harness.step();
    let started = Instant::now();
    while harness.state().is_busy() {
        harness.step();
        assert!(started.elapsed() < Duration::from_mins(2));
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.step();
}

#[test]
fn a_panicking_stage_is_reported_and_the_window_stays_usable() {
    let mut harness = harness();
    settle(&mut harness);
    let pgd = AttackConfig::new(AttackKind::Pgd, 2.0 / 255.0).with_steps(3);
    harness.state_mut().settings_mut().spec.attack = pgd.clone();
    run_and_wait(&mut harness);
    assert!(harness.state().errors().is_empty());
    for stage in [
        FaultStage::Attack,
        FaultStage::Defence,
        FaultStage::Explanation,
    ] {
        if stage == FaultStage::Defence {
            harness.state_mut().settings_mut().spec.defense =
                Some(DefenseConfig::parse("median:3").unwrap());
        }
        let before = harness.state().result().unwrap().clone();
        inject_next(Some(stage));
        harness.state_mut().settings_mut().spec.attack.epsilon = 3.0 / 255.0;
        run_and_wait(&mut harness);
        inject_next(None);
        let errors = harness.state().errors().to_vec();
        assert!(
            errors.iter().any(|e| e.contains("internal error")),
            "{stage:?}: {errors:?}"
        );
        assert_eq!(
            harness.state().result().unwrap().adversarial,
            before.adversarial,
            "{stage:?}: the previous result stays"
        );
        // The next request runs as if nothing had happened.
        harness.state_mut().push(Command::DismissErrors);
        run_and_wait(&mut harness);
        assert!(harness.state().errors().is_empty(), "{stage:?}");
        let after = harness.state().result().unwrap();
        assert_eq!(after.attack.epsilon, 3.0 / 255.0, "{stage:?}");
        assert_eq!(after.defended.is_some(), stage != FaultStage::Attack);
        harness.state_mut().settings_mut().spec.attack = pgd.clone();
        run_and_wait(&mut harness);
    }
}
