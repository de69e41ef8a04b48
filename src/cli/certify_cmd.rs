//! `advlens certify …`: certified accuracy of randomized smoothing against the L2 radius on a
//! data-set split (Cohen et al. 2019, Table 1), as Markdown and JSON.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use advlens::datasets::{load_dataset, shared_datasets_dir};
use advlens::defenses::{DefenseConfig, DefenseKind};
use advlens::device::DevicePreference;
use advlens::eval::{certified_accuracy, certified_markdown, images_from_split};
use advlens::export::write_atomic;
use advlens::models::{SmoothingBase, load_shipped};

/// Arguments of `certify`.
#[derive(Args, Debug)]
pub struct CertifyArgs {
    /// A shipped model (see `advlens models`).
    #[arg(long)]
    model: String,
    /// Smoothing noise σ on the [0, 1] scale.
    #[arg(long, default_value_t = 0.12)]
    sigma: f32,
    /// Noise samples that estimate the top class's probability.
    #[arg(long, default_value_t = 1000)]
    n: usize,
    /// Noise samples that choose the top class.
    #[arg(long, default_value_t = 64)]
    n0: usize,
    /// Failure probability of each certificate.
    #[arg(long, default_value_t = 0.001)]
    alpha: f64,
    /// L2 radii on the [0, 1] pixel scale, comma-separated.
    #[arg(long, default_value = "0,0.25,0.5,0.75,1")]
    radii: String,
    /// test, val or train.
    #[arg(long, default_value = "test")]
    split: String,
    /// Certify the first N images only.
    #[arg(long, default_value_t = 200)]
    limit: usize,
    /// Images per batch.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Data-set folder; default `$ADVLENS_DATASETS` or `../shared/datasets`.
    #[arg(long)]
    datasets: Option<PathBuf>,
    /// Where `<model>-certified-<σ>.md` and `.json` go.
    #[arg(long, default_value = "advlens-output")]
    out: PathBuf,
    /// auto, gpu or cpu.
    #[arg(long, default_value = "auto")]
    device: DevicePreference,
}

fn parse_radii(text: &str) -> anyhow::Result<Vec<f64>> {
    text.split(',')
        .map(|part| {
            let radius: f64 = part
                .trim()
                .parse()
                .with_context(|| format!("invalid radius '{part}'"))?;
            anyhow::ensure!(
                radius.is_finite() && radius >= 0.0,
                "invalid radius '{part}'"
            );
            Ok(radius)
        })
        .collect()
}

pub fn run(args: &CertifyArgs) -> anyhow::Result<()> {
    let radii = parse_radii(&args.radii)?;
    let mut smoothing = DefenseConfig::new(DefenseKind::Smoothing);
    smoothing.smoothing.sigma = args.sigma;
    smoothing.smoothing.samples = args.n;
    smoothing.smoothing.selection = args.n0;
    smoothing.smoothing.alpha = args.alpha;
    smoothing.validate()?;
    let device = super::start_device(args.device)?;
    let model = load_shipped(&args.model, &device.device)?;
    let base = SmoothingBase::of(&model.card, args.sigma);
    if !base.is_matched() {
        eprintln!("note: {}", base.advice(args.sigma));
    }
    let root = args
        .datasets
        .clone()
        .or_else(shared_datasets_dir)
        .context("no data-set folder: pass --datasets or set ADVLENS_DATASETS")?;
    let dataset = load_dataset(&root, model.card.spec.task.dataset_file())?;
    let split = dataset.split(&args.split).with_context(|| {
        format!(
            "unknown split '{}': expected train, val or test",
            args.split
        )
    })?;
    let images = images_from_split(split, model.card.spec.input_size, Some(args.limit))?;
    let bar = ProgressBar::new(images.len() as u64);
    if let Ok(style) =
        ProgressStyle::with_template("certifying [{bar:30}] {pos}/{len} images, eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let table = certified_accuracy(
        &model,
        &images,
        &smoothing,
        &radii,
        args.batch_size,
        &device,
        &mut |done, _| bar.set_position(done as u64),
    )?;
    bar.finish_and_clear();
    let markdown = certified_markdown(&table);
    println!("{markdown}");
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let stem = format!("{}-certified-{}", model.card.name, args.sigma);
    write_atomic(&args.out.join(format!("{stem}.md")), markdown.as_bytes())?;
    write_atomic(
        &args.out.join(format!("{stem}.json")),
        serde_json::to_string_pretty(&table)?.as_bytes(),
    )?;
    println!(
        "written to {}",
        args.out.join(format!("{stem}.md")).display()
    );
    Ok(())
}
