//! The history strip on the real app through `egui_kittest`: every result on a scan opened
//! from a file is remembered (a slider move replaces the newest entry instead of flooding the
//! strip), a click restores a run bit for bit, and the history survives a restart (it is part
//! of the stored settings).

#[path = "common/window.rs"]
mod window;

use advlens::app::{AdvlensApp, Command, Settings};
use advlens::attacks::{AttackConfig, AttackKind};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use window::{harness, settle};

fn run(harness: &mut Harness<'_, AdvlensApp>, attack: AttackConfig) {
    harness.state_mut().settings_mut().spec.attack = attack;
    harness.state_mut().push(Command::AttackChanged {
        run: true,
        sweep: false,
    });
    harness.step();
    settle(harness);
}

#[test]
fn results_are_remembered_restored_exactly_and_kept_across_restarts() {
    let mut harness = harness();
    settle(&mut harness);
    assert_eq!(
        harness.state().settings().history.len(),
        1,
        "the first result"
    );
    for k in 1..=3 {
        run(
            &mut harness,
            AttackConfig::new(AttackKind::Fgsm, f64::from(k) / 255.0),
        );
    }
    assert_eq!(
        harness.state().settings().history.len(),
        1,
        "slider moves replace the newest entry"
    );
    run(
        &mut harness,
        AttackConfig::new(AttackKind::Pgd, 2.0 / 255.0).with_steps(5),
    );
    let history = harness.state().settings().history.clone();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].spec.attack.kind, AttackKind::Pgd);
    assert_eq!(history[1].spec.attack.epsilon, 3.0 / 255.0);
    // The strip shows the entries; a click on the older one restores it exactly.
    harness.get_by_label("History (2)").click();
    harness.run_steps(2);
    harness.get_by_label_contains("PGD-5");
    harness.state_mut().push(Command::RestoreHistory(1));
    harness.step();
    settle(&mut harness);
    assert_eq!(harness.state().settings().spec, history[1].spec);
    assert_eq!(
        harness
            .state()
            .result()
            .unwrap()
            .adversarial_prediction
            .probs,
        history[1].adversarial_probs,
        "bit-exact"
    );
    // Stored (as eframe stores settings, in RON) and read back, the history is the same.
    let settings = harness.state().settings().clone();
    let stored = ron::to_string(&settings).unwrap();
    let restored: Settings = ron::from_str(&stored).unwrap();
    assert_eq!(restored.history, settings.history);
}
