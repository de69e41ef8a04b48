//! The smoke test's data-set step: evaluate the first test scans in the data-set view (the
//! standard model beside its robust twin when one is shipped) and check that every scan was
//! evaluated.

use std::time::Instant;

use super::smoke::Phase;
use super::{AdvlensApp, Command};
use crate::attacks::AttackKind;

/// Scans the data-set phase evaluates.
const DATASET_SCANS: usize = 32;

/// Opens the data-set view and evaluates the first scans of the test split.
pub(super) fn start_dataset(app: &mut AdvlensApp) -> Phase {
    if crate::datasets::shared_datasets_dir().is_none() {
        println!("smoke test: no data sets beside the program; the data-set view is not exercised");
        return Phase::Screenshot { requested: false };
    }
    // The standard model against its robust twin, on the same axes, when the twin is shipped.
    let twin = format!("{}-robust", app.session.settings.model);
    let compare = app
        .session
        .models
        .iter()
        .any(|m| m.name == twin)
        .then_some(twin);
    app.session.settings.dataset = super::DatasetSettings {
        compare,
        split: "test".to_string(),
        folder: None,
        limit: DATASET_SCANS,
        attacks: vec![AttackKind::Fgsm, AttackKind::Pgd],
        steps: 10,
        epsilons: "0, 1/255, 2/255, 4/255, 8/255".to_string(),
        ..super::DatasetSettings::default()
    };
    app.push(Command::ShowTab(super::Tab::Dataset));
    app.push(Command::RunEvaluation);
    Phase::Dataset {
        started: Some(Instant::now()),
    }
}

/// Checks that the data-set evaluation finished every scan, and reports its speed.
pub(super) fn check_dataset(app: &AdvlensApp, started: Instant) {
    let seconds = started.elapsed().as_secs_f64();
    match app.session.dataset.main() {
        Some(evaluation)
            if evaluation.finished
                && evaluation.done() == DATASET_SCANS
                && app.session.dataset.evaluations.len()
                    == 1 + usize::from(app.session.settings.dataset.compare.is_some()) =>
        {
            let models = app.session.dataset.evaluations.len();
            let accuracy: Vec<String> = app
                .session
                .dataset
                .evaluations
                .iter()
                .flat_map(|evaluation| {
                    evaluation.table().rows.into_iter().map(|row| {
                        format!(
                            "{} {} {:.0} %",
                            evaluation.model,
                            row.attack,
                            100.0 * row.accuracy.last().copied().unwrap_or(0.0)
                        )
                    })
                })
                .collect();
            println!(
                "smoke test: data-set view evaluated {DATASET_SCANS} test scans × {models} models (FGSM, PGD-10 at 5 ε) in {seconds:.1} s ({:.1} scans/s); at 8/255: {}",
                (DATASET_SCANS * models) as f64 / seconds,
                accuracy.join(", ")
            );
        }
        _ => {
            eprintln!(
                "smoke test: the data-set evaluation did not finish; errors: {:?}",
                app.session.errors
            );
            std::process::exit(1);
        }
    }
}
