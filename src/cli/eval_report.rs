//! `advlens eval --report`: the HTML report and the per-scan CSV of an evaluation.

use std::path::Path;

use anyhow::Context;

use advlens::datasets::LabelledImages;
use advlens::device::ComputeDevice;
use advlens::eval::{EvalHooks, EvalPlan, ScanEvaluation, evaluate_scans};
use advlens::export::{EvalReportInput, write_eval_report};
use advlens::models::{LoadedModel, find_shipped, load_model_files};

/// What a second model is evaluated on: the first one's scans, plan and device.
pub(super) struct SameScans<'a> {
    pub model: &'a LoadedModel,
    pub images: &'a LabelledImages,
    pub plan: &'a EvalPlan,
    pub device: &'a ComputeDevice,
}

/// Writes the report of `evaluation`, with `compare` (a shipped model) evaluated on the same
/// scans beside it when asked.
pub(super) fn report_with_twin(
    path: &Path,
    evaluation: ScanEvaluation,
    compare: Option<&str>,
    same: &SameScans<'_>,
    confusion_epsilon: Option<f64>,
) -> anyhow::Result<()> {
    let mut evaluations = vec![evaluation];
    if let Some(other) = compare {
        let shipped = find_shipped(other)?;
        let twin = load_model_files(&shipped.weights_path, shipped.card, &same.device.device)?;
        anyhow::ensure!(
            twin.card.classes == same.model.card.classes
                && twin.card.spec.input_size == same.model.card.spec.input_size,
            "{other} does not take the same scans and classes as {}",
            same.model.card.name
        );
        println!("evaluating {other} on the same scans…");
        evaluations.push(evaluate_scans(
            &twin,
            same.images,
            same.plan,
            same.device,
            &mut EvalHooks {
                should_stop: None,
                on_batch: &mut |_| {},
            },
        )?);
    }
    write_report(path, &evaluations, confusion_epsilon)
}

/// The index of the ε closest to `asked` (default: the largest).
fn epsilon_index(epsilons: &[f64], asked: Option<f64>) -> usize {
    let target = asked.unwrap_or_else(|| epsilons.iter().copied().fold(0.0, f64::max));
    (0..epsilons.len())
        .min_by(|&a, &b| {
            (epsilons[a] - target)
                .abs()
                .total_cmp(&(epsilons[b] - target).abs())
        })
        .unwrap_or(0)
}

/// Writes `path` (HTML) and `path` with `.scans.csv` (one line per scan of every model); the
/// gallery and histogram show the strongest attack.
fn write_report(
    path: &Path,
    evaluations: &[ScanEvaluation],
    confusion_epsilon: Option<f64>,
) -> anyhow::Result<()> {
    let first = evaluations.first().context("nothing was evaluated")?;
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("creating {}", folder.display()))?;
    }
    let csv_path = write_eval_report(
        path,
        &EvalReportInput {
            evaluations,
            attack: first.strongest_attack(),
            epsilon: epsilon_index(&first.epsilons, confusion_epsilon),
        },
    )?;
    println!(
        "report written to {} (per-scan CSV {})",
        path.display(),
        csv_path.display()
    );
    Ok(())
}
