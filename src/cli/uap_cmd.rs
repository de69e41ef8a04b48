//! `advlens uap …`: fit one universal adversarial perturbation on a set of scans (a data-set
//! split or a class folder), measure its fooling rate on a held-out part, and write it as
//! `uap.json` (for `advlens attack --attack universal --uap`, `eval` and the window) with a
//! picture of δ.

use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use advlens::attacks::{
    AttackControl, PatchPlacement, UniversalPerturbation, count_fooled, fit_patch, fit_universal,
};
use advlens::device::DevicePreference;
use advlens::eval::ImageSource;
use advlens::export::{diverging, write_atomic, write_rgb8};
use advlens::models::{find_shipped, load_model_files};

/// Arguments of `uap`.
#[derive(Args, Debug)]
pub struct UapArgs {
    /// A shipped model (see `advlens models`).
    #[arg(long)]
    model: String,
    /// L∞ radius (number or k/255).
    #[arg(long, default_value = "8/255", value_parser = super::parse_epsilon_arg)]
    eps: f64,
    /// Passes over the fitting scans (the step halves after each).
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Share of the scans held out to measure the fooling rate on scans δ never saw.
    #[arg(long, default_value_t = 0.25)]
    held_out: f64,
    /// The data-set split: test, val or train.
    #[arg(long, default_value = "val", value_parser = ["test", "val", "train"])]
    split: String,
    /// A folder with one sub-folder per class instead of the data-set split.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Data-set folder; default `$ADVLENS_DATASETS` or `../shared/datasets`.
    #[arg(long)]
    datasets: Option<PathBuf>,
    /// Use the first N scans only.
    #[arg(long, default_value_t = 400)]
    limit: usize,
    /// Scans per batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// auto, gpu or cpu.
    #[arg(long, default_value = "auto")]
    device: DevicePreference,
    /// Fit an adversarial patch of this side (pixels) instead of an additive δ.
    #[arg(long)]
    patch: Option<usize>,
    /// Where the patch goes: `ROW,COLUMN` of its top-left corner; random per batch while
    /// fitting (EOT over positions) and the centre when applied, if absent.
    #[arg(long, value_parser = parse_position, requires = "patch")]
    at: Option<(usize, usize)>,
    /// Seed of the patch's random positions.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Where `uap.json` and `uap.png` go.
    #[arg(long, default_value = "advlens-uap")]
    out: PathBuf,
}

fn parse_position(text: &str) -> Result<(usize, usize), String> {
    let (row, column) = text
        .split_once(',')
        .ok_or("expected ROW,COLUMN, e.g. 10,20")?;
    let parse = |part: &str| {
        part.trim()
            .parse::<usize>()
            .map_err(|_| format!("'{part}' is not a pixel index"))
    };
    Ok((parse(row)?, parse(column)?))
}

pub fn run(args: &UapArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        (0.0..1.0).contains(&args.held_out),
        "--held-out must be in [0, 1)"
    );
    let shipped = find_shipped(&args.model)?;
    let device = super::start_device(args.device)?;
    let model = load_model_files(&shipped.weights_path, shipped.card.clone(), &device.device)?;
    let spec = model.card.spec;
    let images = ImageSource {
        data: args.data.clone(),
        datasets: args.datasets.clone(),
        split: args.split.clone(),
        limit: Some(args.limit),
    }
    .load_for(&model)?;
    let held_out = ((images.len() as f64 * args.held_out).round() as usize).min(images.len() - 1);
    let fit_count = images.len() - held_out;
    let batches = |range: std::ops::Range<usize>| {
        range
            .clone()
            .step_by(args.batch_size.max(1))
            .map(|start| {
                images.batch_range(
                    start..(start + args.batch_size.max(1)).min(range.end),
                    &device.device,
                )
            })
            .collect::<Vec<_>>()
    };
    let fit = batches(0..fit_count);
    let test = batches(fit_count..images.len());
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template("fitting δ [{bar:30}] {pos}/{len} batches") {
        bar.set_style(style.progress_chars("=> "));
    }
    let report = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let control = AttackControl {
        on_step: Some(&report),
        ..AttackControl::default()
    };
    let size = spec.input_size;
    let (delta, patch) = match args.patch {
        Some(side) => {
            let values = fit_patch(
                &model.models,
                &fit,
                side,
                args.at,
                args.epochs,
                args.seed,
                &control,
            )?;
            let centre = size.saturating_sub(side) / 2;
            let (row, column) = args.at.unwrap_or((centre, centre));
            (values, Some(PatchPlacement { row, column, side }))
        }
        None => (
            fit_universal(&model.models, &fit, args.eps, args.epochs, &control)?,
            None,
        ),
    };
    bar.finish_and_clear();
    let mut perturbation = UniversalPerturbation {
        model: model.card.name.clone(),
        epsilon: if patch.is_some() { 1.0 } else { args.eps },
        width: spec.input_size,
        height: spec.input_size,
        delta,
        epochs: args.epochs,
        source: images.source.clone(),
        fit_images: fit_count,
        fit_fooled: 0,
        held_out_images: held_out,
        held_out_fooled: 0,
        patch,
    };
    perturbation.fit_fooled = count_fooled(&model.models, &fit, &perturbation)?;
    perturbation.held_out_fooled = count_fooled(&model.models, &test, &perturbation)?;
    std::fs::create_dir_all(&args.out)?;
    write_atomic(
        &args.out.join("uap.json"),
        serde_json::to_string(&perturbation)?.as_bytes(),
    )?;
    write_picture(&perturbation, &args.out.join("uap.png"))?;
    print_summary(&perturbation);
    println!("written to {}", args.out.join("uap.{json,png}").display());
    Ok(())
}

/// δ in the window's blue–white–red, full colour at ±ε; a patch as the grey values it pastes.
fn write_picture(
    perturbation: &UniversalPerturbation,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let (side_x, side_y, colours): (usize, usize, Vec<[u8; 3]>) = match perturbation.patch {
        Some(placement) => (
            placement.side,
            placement.side,
            perturbation
                .delta
                .iter()
                .map(|&value| [(value.clamp(0.0, 1.0) * 255.0).round() as u8; 3])
                .collect(),
        ),
        None => (
            perturbation.width,
            perturbation.height,
            perturbation
                .delta
                .iter()
                .map(|&value| diverging(value, perturbation.epsilon as f32))
                .collect(),
        ),
    };
    write_rgb8(side_x, side_y, &colours, path)?;
    Ok(())
}

/// What was fitted and how often it fools, on the terminal.
fn print_summary(perturbation: &UniversalPerturbation) {
    let what = match perturbation.patch {
        Some(p) => format!(
            "adversarial patch {}×{} at ({}, {})",
            p.side, p.side, p.row, p.column
        ),
        None => format!(
            "universal perturbation at ε = {:.2}/255",
            perturbation.epsilon * 255.0
        ),
    };
    println!(
        "{what} for {}, {} epochs, fitted on {} scans of {}",
        perturbation.model, perturbation.epochs, perturbation.fit_images, perturbation.source
    );
    println!(
        "fooling rate: {:.1}% on the {} fitting scans, {:.1}% on the {} held-out scans",
        100.0 * perturbation.fit_rate(),
        perturbation.fit_images,
        100.0 * perturbation.held_out_rate(),
        perturbation.held_out_images
    );
}
