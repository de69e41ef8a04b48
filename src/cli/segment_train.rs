//! `advlens train --task fetal-head`: train a U-Net segmenter from `../shared/datasets`, with
//! the same checkpoints, log and progress bar as the classifiers, into `assets/segmenters/`
//! unless `--out` says otherwise.

use std::path::PathBuf;

use anyhow::Context;

use advlens::attacks::AttackKind;
use advlens::datasets::shared_datasets_dir;
use advlens::models::save_module;
use advlens::segment::{
    PairAugmentation, SegmentTrainConfig, SegmentationAttack, SegmentationLoss, SegmentationTask,
    load_segmentation_dataset, train_segmenter,
};

use super::train_cmd::{TrainArgs, open_log, typed_command};
use super::train_log::progress_reporter;

pub fn run(args: &TrainArgs, task: SegmentationTask) -> anyhow::Result<()> {
    if let Some(arch) = args.arch.as_deref().filter(|a| *a != "unet") {
        anyhow::bail!("{task} is a segmentation task: its architecture is unet, not {arch}");
    }
    if args.noise_sigma > 0.0
        || args.swa > 0
        || args.label_smoothing > 0.0
        || args.mixup > 0.0
        || args.cutmix > 0.0
        || args.teacher.is_some()
    {
        anyhow::bail!(
            "--noise-sigma, --swa, --label-smoothing, --mixup, --cutmix and --teacher apply to classifiers only; {task} trains a segmenter"
        );
    }
    let root = args
        .datasets
        .clone()
        .or_else(shared_datasets_dir)
        .context("no data-set folder: pass --datasets or set ADVLENS_DATASETS")?;
    let dataset = load_segmentation_dataset(&root, task)?;
    let device = super::start_device(args.device)?;
    let name = args.name.clone().unwrap_or_else(|| format!("{task}-unet"));
    let out = if args.out == std::path::Path::new("assets/models") {
        PathBuf::from("assets/segmenters")
    } else {
        args.out.clone()
    };
    let adversarial = match args.adversarial.as_deref() {
        Some(_) => {
            let mut attack =
                SegmentationAttack::new(AttackKind::Pgd, SegmentationLoss::Bce, args.eps)?;
            attack.steps = args.steps.max(1);
            attack.step_size = args.step_size;
            Some(attack)
        }
        None => None,
    };
    let config = SegmentTrainConfig {
        name: name.clone(),
        task,
        widths: args.widths,
        epochs: args.epochs.unwrap_or(30),
        batch_size: args.batch_size.unwrap_or(16).max(1),
        learning_rate: args.lr,
        weight_decay: 1e-4,
        seed: args.seed,
        augmentation: PairAugmentation {
            max_shift: args.shift,
            max_rotation_deg: args.rotation.max(0.0),
            max_zoom: args.zoom.clamp(0.0, 0.9),
            flip: true,
            intensity: args.intensity.max(0.0),
            gamma: args.gamma.max(0.0),
        },
        input_norm: args.input_norm,
        limit_train: args.limit_train,
        checkpoint_dir: args
            .checkpoint_dir
            .clone()
            .unwrap_or_else(|| out.join("checkpoints").join(&name)),
        adversarial,
        init_from: args.init_from.clone(),
        command: typed_command(),
    };
    let (bar, mut on_event) = progress_reporter(open_log(args)?, "val Dice");
    let (model, card) = train_segmenter(
        &config,
        &dataset,
        &device.device,
        &device.description,
        &mut on_event,
    )?;
    bar.finish_and_clear();
    std::fs::create_dir_all(&out)?;
    let weights = out.join(format!("{name}.safetensors"));
    let metadata = [
        ("advlens_model", name.clone()),
        ("arch", "unet".to_string()),
        ("task", task.to_string()),
    ];
    save_module(&model, &weights, args.half, &metadata)?;
    card.save(&out.join(format!("{name}.json")))?;
    println!(
        "{name}: validation Dice {:.4}, test Dice {:.4} (median head-circumference error {}) — written to {}",
        card.val.dice,
        card.test.dice,
        card.test
            .hc_error_mm_median
            .map_or_else(|| "unknown".to_string(), |mm| format!("{mm:.2} mm")),
        weights.display()
    );
    Ok(())
}
