//! `advlens models [--json]`: the shipped classifiers and, below them, the segmenters.

use clap::Args;
use serde::Serialize;

use advlens::models::list_shipped;
use advlens::segment::list_segmenters;

/// Arguments of `models`.
#[derive(Args, Debug)]
pub struct ModelsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct ModelRow {
    kind: &'static str,
    name: String,
    task: String,
    classes: Vec<String>,
    arch: String,
    input_size: usize,
    test_accuracy: f32,
    val_accuracy: f32,
    adversarially_trained: bool,
}

#[derive(Serialize)]
struct SegmenterRow {
    kind: &'static str,
    name: String,
    task: String,
    foreground: String,
    arch: String,
    input_size: usize,
    test_dice: f32,
    val_dice: f32,
    test_hc_error_mm_median: Option<f32>,
    adversarially_trained: bool,
}

pub fn run(args: &ModelsArgs) -> anyhow::Result<()> {
    let segmenters: Vec<SegmenterRow> = list_segmenters()?
        .into_iter()
        .map(|card| SegmenterRow {
            kind: "segmenter",
            task: card.spec.task.to_string(),
            foreground: card.spec.task.foreground().to_string(),
            arch: "unet".to_string(),
            input_size: card.spec.input_size,
            test_dice: card.test.dice,
            val_dice: card.val.dice,
            test_hc_error_mm_median: card.test.hc_error_mm_median,
            adversarially_trained: card.adversarial_training.is_some(),
            name: card.name,
        })
        .collect();
    let rows: Vec<ModelRow> = list_shipped()?
        .into_iter()
        .map(|model| ModelRow {
            kind: "classifier",
            name: model.name,
            task: model.card.spec.task.to_string(),
            classes: model.card.classes,
            arch: model.card.spec.arch.to_string(),
            input_size: model.card.spec.input_size,
            test_accuracy: model.card.test_accuracy,
            val_accuracy: model.card.val_accuracy,
            adversarially_trained: model.card.adversarial_training.is_some(),
        })
        .collect();
    if args.json {
        // One array: the classifiers as before, then the segmenters; `kind` tells them apart.
        let mut listing = Vec::with_capacity(rows.len() + segmenters.len());
        for row in &rows {
            listing.push(serde_json::to_value(row)?);
        }
        for row in &segmenters {
            listing.push(serde_json::to_value(row)?);
        }
        println!("{}", serde_json::to_string_pretty(&listing)?);
        return Ok(());
    }
    println!(
        "{:<24} {:<11} {:<12} {:>9}  classes",
        "name", "task", "arch", "test acc"
    );
    for row in rows {
        println!(
            "{:<24} {:<11} {:<12} {:>8.1}%  {}",
            row.name,
            row.task,
            row.arch,
            100.0 * row.test_accuracy,
            row.classes.join(", ")
        );
    }
    if !segmenters.is_empty() {
        println!(
            "\n{:<24} {:<11} {:<12} {:>9}  HC error (median)",
            "segmenter", "task", "arch", "test Dice"
        );
    }
    for row in segmenters {
        println!(
            "{:<24} {:<11} {:<12} {:>9.4}  {}",
            row.name,
            row.task,
            row.arch,
            row.test_dice,
            row.test_hc_error_mm_median
                .map_or_else(|| "–".to_string(), |mm| format!("{mm:.1} mm"))
        );
    }
    Ok(())
}
