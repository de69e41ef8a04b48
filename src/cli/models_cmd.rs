//! `advlens models [--json]`.

use clap::Args;
use serde::Serialize;

use advlens::models::list_shipped;

/// Arguments of `models`.
#[derive(Args, Debug)]
pub struct ModelsArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct ModelRow {
    name: String,
    task: String,
    classes: Vec<String>,
    arch: String,
    input_size: usize,
    test_accuracy: f32,
    val_accuracy: f32,
    adversarially_trained: bool,
}

pub fn run(args: &ModelsArgs) -> anyhow::Result<()> {
    let rows: Vec<ModelRow> = list_shipped()?
        .into_iter()
        .map(|model| ModelRow {
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
        println!("{}", serde_json::to_string_pretty(&rows)?);
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
    Ok(())
}
