//! The data-set view on the real app through `egui_kittest`: it evaluates a folder of labelled
//! scans on its own thread while the window keeps drawing, shows the curves, the confusion
//! matrices and the gallery, opens a failure in the workbench at the ε that flips it, keeps a
//! cancelled run's partial table, and looks as its stored snapshot does.

mod common;
#[path = "common/window.rs"]
mod window;

use std::time::{Duration, Instant};

use advlens::app::{AdvlensApp, Command, DatasetSettings, Tab};
use advlens::attacks::AttackKind;
use advlens::eval::Fragility;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use window::{harness, settle};

/// Points the view at `folder` with a small, quick plan.
fn small_plan(harness: &mut Harness<'_, AdvlensApp>, folder: &std::path::Path, batch: usize) {
    harness.state_mut().settings_mut().dataset = DatasetSettings {
        folder: Some(folder.to_path_buf()),
        limit: 6,
        attacks: vec![AttackKind::Fgsm, AttackKind::Pgd],
        steps: 5,
        epsilons: "0, 1/255, 2/255, 4/255".to_string(),
        batch_size: batch,
        ..DatasetSettings::default()
    };
}

/// Steps frames until the evaluation is no longer running (two minutes at most).
fn wait_for_evaluation(harness: &mut Harness<'_, AdvlensApp>) {
    let started = Instant::now();
    harness.step();
    while harness.state().dataset().running() {
        harness.step();
        assert!(
            started.elapsed() < Duration::from_mins(2),
            "the evaluation did not finish; errors {:?}",
            harness.state().errors()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    harness.run_steps(3);
}

#[test]
fn the_data_set_view_evaluates_a_folder_and_opens_a_failure_in_the_workbench() {
    let folder = common::chest_class_folder();
    let mut harness = harness();
    settle(&mut harness);
    harness.get_by_label("Data set").click();
    harness.run_steps(2);
    assert_eq!(harness.state().tab(), Tab::Dataset);
    harness.get_by_label("No evaluation yet");
    small_plan(&mut harness, folder.path(), 4);
    harness.get_by_label("Run evaluation").click();
    harness.run_steps(2);
    assert!(harness.state().dataset().running());
    wait_for_evaluation(&mut harness);
    assert!(
        harness.state().errors().is_empty(),
        "{:?}",
        harness.state().errors()
    );
    let evaluation = harness.state().dataset().main().unwrap().clone();
    assert!(evaluation.finished);
    assert_eq!(evaluation.done(), 6);
    harness.get_by_label("Accuracy against ε");
    // The strongest attack is shown first (the lower accuracy at 4/255, FGSM on a tie); FGSM
    // (deterministic, so the workbench repeats it exactly) is one click away.
    let strongest = evaluation.strongest_attack();
    assert!(evaluation.accuracy(strongest, 3) <= evaluation.accuracy(1 - strongest, 3));
    harness.get_by_label_contains(&format!(
        "Most fragile scans under {}",
        evaluation.attacks[strongest].name
    ));
    harness.state_mut().push(Command::ChooseEvaluationAttack(1));
    harness.run_steps(2);
    harness.get_by_label_contains("Most fragile scans under PGD-5");
    harness.state_mut().push(Command::ChooseEvaluationAttack(0));
    harness.run_steps(2);
    harness.get_by_label_contains("Most fragile scans under FGSM");
    assert_eq!(
        harness
            .get_all_by_label_contains("6 scans · accuracy")
            .count(),
        2
    );
    // The curve's numbers are the table's, and each matrix counts every scan once.
    let table = evaluation.table();
    assert_eq!(table.rows.len(), 2);
    for epsilon in 0..evaluation.epsilons.len() {
        assert_eq!(evaluation.attacked_confusion(1, epsilon).total(), 6);
        assert!((table.rows[1].accuracy[epsilon] - evaluation.accuracy(1, epsilon)).abs() < 1e-6);
    }
    // Open the most fragile FGSM failure in the workbench.
    let (record, flip) = evaluation
        .most_fragile(0)
        .first()
        .map(|(record, epsilon)| ((*record).clone(), *epsilon))
        .expect("FGSM flips a bundled X-ray within 4/255");
    assert_eq!(evaluation.fragility(&record, 0), Fragility::FlipsAt(flip));
    let position = evaluation
        .records
        .iter()
        .position(|r| r.index == record.index)
        .unwrap();
    harness.state_mut().push(Command::OpenEvaluatedScan {
        evaluation: 0,
        record: position,
    });
    harness.step();
    settle(&mut harness);
    assert_eq!(harness.state().tab(), Tab::Workbench);
    let settings = harness.state().settings();
    assert_eq!(settings.spec.attack.kind, AttackKind::Fgsm);
    assert_eq!(settings.spec.attack.epsilon, flip);
    assert_eq!(settings.spec.true_label, Some(record.label));
    let result = harness.state().result().unwrap();
    assert_eq!(result.original.width, 128);
    assert_ne!(
        result.adversarial_prediction.label, record.label,
        "the workbench shows the flip the evaluation found"
    );
}

#[test]
fn cancelling_keeps_the_scans_finished() {
    let folder = common::chest_class_folder();
    let mut harness = harness();
    settle(&mut harness);
    harness.state_mut().push(Command::ShowTab(Tab::Dataset));
    small_plan(&mut harness, folder.path(), 2);
    harness.state_mut().push(Command::RunEvaluation);
    let started = Instant::now();
    while harness.state().dataset().evaluations.is_empty() {
        harness.step();
        assert!(started.elapsed() < Duration::from_mins(2));
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.get_by_label("Cancel").click();
    wait_for_evaluation(&mut harness);
    let evaluation = harness.state().dataset().main().unwrap().clone();
    assert!(!evaluation.finished, "cancelled before the third batch");
    assert_eq!(evaluation.done() % 2, 0, "whole batches only");
    assert!(evaluation.done() < 6);
    assert_eq!(evaluation.table().images, evaluation.done());
    assert_eq!(evaluation.clean_confusion().total(), evaluation.done());
    harness.get_by_label_contains("cancelled: the table covers the scans finished");
}

#[test]
fn data_set_view_snapshot() {
    let Some(mut harness) = window::snapshot_harness([1400.0, 1000.0]) else {
        return;
    };
    let folder = common::chest_class_folder();
    settle(&mut harness);
    harness.state_mut().push(Command::ShowTab(Tab::Dataset));
    small_plan(&mut harness, folder.path(), 6);
    harness.state_mut().push(Command::RunEvaluation);
    harness.step();
    wait_for_evaluation(&mut harness);
    // Wall-clock figures and the temporary folder's name differ from run to run.
    let timing_rects: Vec<eframe::egui::Rect> = harness
        .get_all_by_label_contains(" s on ")
        .chain(harness.get_all_by_label_contains("folder: "))
        .chain(harness.get_all_by_label_contains("Last run"))
        .map(|node| node.rect())
        .collect();
    for rect in timing_rects {
        harness.mask(eframe::egui::Rect::from_min_size(
            rect.min,
            eframe::egui::vec2(320.0, rect.height()),
        ));
    }
    let options = egui_kittest::SnapshotOptions::new().max_failed_pixels(6_000);
    harness.snapshot_options("data_set_view", &options);
}
