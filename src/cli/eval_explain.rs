//! `advlens eval --explain METHOD`: after the robustness table, how far each attack moves the
//! explanation over the same scans (quartiles of Spearman ρ, top-10 % IoU and centroid shift
//! per attack and ε), printed and written as `<stem>-<method>-shift.{csv,md}`.

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use advlens::datasets::LabelledImages;
use advlens::device::ComputeDevice;
use advlens::eval::{ShiftPlan, explanation_shift_table, shift_csv, shift_markdown};
use advlens::export::write_atomic;
use advlens::models::LoadedModel;

/// What the shift table is measured on, and where it goes.
pub struct ShiftJob<'a> {
    /// The model.
    pub model: &'a LoadedModel,
    /// The scans.
    pub images: &'a LabelledImages,
    /// What to measure.
    pub plan: ShiftPlan<'a>,
    /// The output folder.
    pub out: &'a Path,
    /// The tables' file stem (model, defence).
    pub stem: &'a str,
}

/// Runs the shift table, prints it and writes its CSV and Markdown.
pub fn run_shift_table(job: &ShiftJob<'_>, device: &ComputeDevice) -> anyhow::Result<()> {
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} batches, {elapsed}, eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!("{} shift", job.plan.explain.describe()));
    let rows = explanation_shift_table(
        job.model,
        job.images,
        &job.plan,
        device,
        &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )?;
    bar.finish_and_clear();
    let markdown = shift_markdown(&rows, &job.model.card.name, job.plan.explain);
    println!("{markdown}");
    let stem = format!("{}-{}-shift", job.stem, job.plan.explain.method.cli_name());
    write_atomic(
        &job.out.join(format!("{stem}.csv")),
        shift_csv(&rows).as_bytes(),
    )?;
    write_atomic(&job.out.join(format!("{stem}.md")), markdown.as_bytes())?;
    println!(
        "written to {}",
        job.out.join(format!("{stem}.{{csv,md}}")).display()
    );
    Ok(())
}
