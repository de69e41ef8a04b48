//! `advlens calibrate …`: calibrates a model's feature-squeezing detector on the clean
//! validation split, checks its false-positive rate on the clean test split, reports how
//! often it flags PGD images, and stores the threshold in the model card.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use advlens::attacks::{AttackConfig, AttackKind, format_epsilon};
use advlens::datasets::{load_dataset, shared_datasets_dir};
use advlens::defenses::false_positive_rate;
use advlens::device::DevicePreference;
use advlens::eval::{calibrate_detector, images_from_split, save_card, squeeze_scores_of};
use advlens::models::{find_shipped, load_model_files};

/// Arguments of `calibrate`.
#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// A shipped model (see `advlens models`).
    #[arg(long)]
    model: String,
    /// The false-positive rate to calibrate for.
    #[arg(long, default_value_t = 0.05)]
    fpr: f32,
    /// ε of the PGD-20 attack used to report the detection rate (0 skips it).
    #[arg(long, default_value = "4/255", value_parser = super::parse_epsilon_arg)]
    attack_eps: f64,
    /// Test images attacked for the detection rate.
    #[arg(long, default_value_t = 200)]
    attack_limit: usize,
    /// Data-set folder; default `$ADVLENS_DATASETS` or `../shared/datasets`.
    #[arg(long)]
    datasets: Option<PathBuf>,
    /// Write the calibration into the model card.
    #[arg(long)]
    update_card: bool,
    /// auto, gpu or cpu.
    #[arg(long, default_value = "auto")]
    device: DevicePreference,
}

pub fn run(args: &CalibrateArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.fpr > 0.0 && args.fpr < 1.0,
        "--fpr must be between 0 and 1"
    );
    let shipped = find_shipped(&args.model)?;
    let device = super::start_device(args.device)?;
    let model = load_model_files(&shipped.weights_path, shipped.card.clone(), &device.device)?;
    let spec = model.card.spec;
    let root = args
        .datasets
        .clone()
        .or_else(shared_datasets_dir)
        .context("no data-set folder: pass --datasets or set ADVLENS_DATASETS")?;
    let file = spec.task.dataset_file();
    let dataset = load_dataset(&root, file)?;
    let val = images_from_split(&dataset.val, spec.input_size, None)?;
    let test = images_from_split(&dataset.test, spec.input_size, None)?;
    let calibration = calibrate_detector(&model, &val, &test, args.fpr, &device)?;
    println!(
        "{}: threshold {:.4} for {:.0}% false positives on {} clean validation images; {:.1}% false positives on {} clean test images",
        model.card.name,
        calibration.threshold,
        100.0 * args.fpr,
        calibration.calibration_images,
        100.0 * calibration.test_fpr,
        calibration.test_images
    );
    if args.attack_eps > 0.0 {
        let attacked = images_from_split(&dataset.test, spec.input_size, Some(args.attack_limit))?;
        let attack = AttackConfig::new(AttackKind::Pgd, args.attack_eps).with_steps(20);
        let scores = squeeze_scores_of(&model, &attacked, Some(&attack), 32, &device)?;
        println!(
            "PGD-20 at ε = {}: {:.1}% of {} attacked test images flagged",
            format_epsilon(args.attack_eps),
            100.0 * false_positive_rate(&scores, calibration.threshold),
            attacked.len()
        );
    }
    if args.update_card {
        let card_path = shipped.weights_path.with_extension("json");
        let mut card = shipped.card;
        card.feature_squeezing = Some(calibration);
        save_card(&card, &card_path)?;
        println!("written to the card {}", card_path.display());
    }
    Ok(())
}
