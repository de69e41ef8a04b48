//! `advlens train …`: reproduce a shipped model from `../shared/datasets`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::train_log::progress_reporter;
use super::train_parsers::{
    parse_fraction, parse_input_norm, parse_label_smoothing, parse_mixing_alpha, parse_noise_sigma,
    parse_temperature, parse_train_task, parse_widths,
};

use advlens::datasets::{load_dataset, shared_datasets_dir};
use advlens::device::DevicePreference;
use advlens::models::{Architecture, InputNorm, Task, save_weights};
use advlens::segment::SegmentationTask;
use advlens::train::{
    AdversarialObjective, AdversarialTraining, Augmentation, BatchMixing, Distillation,
    TrainConfig, train_model,
};

/// Arguments of `train`.
#[derive(Args, Debug)]
pub struct TrainArgs {
    /// chest-xray or brain-mri (classifiers), or fetal-head (a segmenter).
    #[arg(long, value_parser = parse_train_task)]
    pub(super) task: TrainTask,
    /// compact-cnn or resnet18 (classifiers), or unet (segmenters; the default for them).
    #[arg(long)]
    pub(super) arch: Option<String>,
    /// U-Net channels of the four levels, e.g. 8,16,32,64 (segmenters only).
    #[arg(long, default_value = "8,16,32,64", value_parser = parse_widths)]
    pub(super) widths: [usize; 4],
    /// Model name; default `<task>-<arch short>`.
    #[arg(long)]
    pub(super) name: Option<String>,
    /// Epochs (default 12 for classifiers, 30 for segmenters).
    #[arg(long)]
    pub(super) epochs: Option<usize>,
    /// Batch size (default 64 for classifiers, 16 for segmenters).
    #[arg(long)]
    pub(super) batch_size: Option<usize>,
    /// Peak learning rate.
    #[arg(long, default_value_t = 2e-3)]
    pub(super) lr: f64,
    /// Seed.
    #[arg(long, default_value_t = 17)]
    pub(super) seed: u64,
    /// Train on the first N training images only.
    #[arg(long)]
    pub(super) limit_train: Option<usize>,
    /// Data-set folder; default `$ADVLENS_DATASETS` or `../shared/datasets`.
    #[arg(long)]
    pub(super) datasets: Option<PathBuf>,
    /// Where the weights and card go.
    #[arg(long, default_value = "assets/models")]
    pub(super) out: PathBuf,
    /// Checkpoint folder (resumed if it exists); default `<out>/checkpoints/<name>`.
    #[arg(long)]
    pub(super) checkpoint_dir: Option<PathBuf>,
    /// Append progress lines to this file as well.
    #[arg(long)]
    pub(super) log: Option<PathBuf>,
    /// Input normalisation inside the model: dataset (training-set mean and std) or
    /// per-image (each image standardised; robust to brightness and contrast shifts).
    #[arg(long, default_value = "dataset", value_parser = parse_input_norm)]
    pub(super) input_norm: InputNorm,
    /// Store convolution and linear weights in half precision.
    #[arg(long)]
    pub(super) half: bool,
    /// auto, gpu or cpu.
    #[arg(long, default_value = "auto")]
    pub(super) device: DevicePreference,
    /// Adversarial training: `pgd` (Madry et al.) replaces every batch by its PGD version;
    /// `trades` (Zhang et al.) adds β·KL between the clean and KL-ascent predictions to the
    /// clean loss.
    #[arg(long, value_parser = ["pgd", "trades"])]
    pub(super) adversarial: Option<String>,
    /// Training radius for --adversarial, e.g. 8/255 or 0.03.
    #[arg(long, default_value = "8/255", value_parser = super::parse_epsilon_arg)]
    pub(super) eps: f64,
    /// PGD steps per batch for --adversarial.
    #[arg(long, default_value_t = 5)]
    pub(super) steps: usize,
    /// PGD step size for --adversarial (default 2.5·ε/steps), e.g. 2/255.
    #[arg(long, value_parser = super::parse_epsilon_arg)]
    pub(super) step_size: Option<f64>,
    /// Weight of the clean loss under --adversarial pgd, in [0, 1) (0: adversarial loss only).
    #[arg(long, default_value_t = 0.0)]
    pub(super) clean_weight: f64,
    /// A clean-accuracy budget for --adversarial or --noise-sigma runs: the best epoch is the
    /// most accurate under the attack or noise among those whose clean validation accuracy
    /// reaches this fraction (e.g. 0.833); if none does, the one with the most clean accuracy.
    #[arg(long, value_parser = parse_fraction)]
    pub(super) min_clean_val: Option<f32>,
    /// β of --adversarial trades: the weight of the KL term (the paper's 6 favours
    /// robustness; 1 keeps more clean accuracy).
    #[arg(long, default_value_t = 6.0)]
    pub(super) trades_beta: f64,
    /// Gaussian noise augmentation: σ on the [0, 1] scale (Cohen et al. 2019 train the base
    /// model of randomized smoothing at the σ that smoothing uses, e.g. 0.12 or 0.25).
    #[arg(long, default_value_t = 0.0, value_parser = parse_noise_sigma)]
    pub(super) noise_sigma: f32,
    /// With --noise-sigma: the share of training images that get the noise (1 = all; 0.5
    /// keeps clean scans in every batch).
    #[arg(long, default_value_t = 1.0, requires = "noise_sigma", value_parser = parse_noise_sigma)]
    pub(super) noise_fraction: f32,
    /// Start from these weights (same task, architecture and input normalisation) instead of
    /// a random initialisation, e.g. to fine-tune a standard model adversarially.
    #[arg(long)]
    pub(super) init_from: Option<PathBuf>,
    /// Largest random shift in pixels.
    #[arg(long, default_value_t = 8)]
    pub(super) shift: usize,
    /// Largest random rotation in degrees.
    #[arg(long, default_value_t = 8.0)]
    pub(super) rotation: f32,
    /// Largest relative zoom (0.12 = 88 %–112 %).
    #[arg(long, default_value_t = 0.12)]
    pub(super) zoom: f32,
    /// Largest relative brightness and contrast change.
    #[arg(long, default_value_t = 0.2)]
    pub(super) intensity: f32,
    /// Largest gamma change (0.3 = γ in [1/1.3, 1.3]).
    #[arg(long, default_value_t = 0.3)]
    pub(super) gamma: f32,
    /// Largest extra horizontal stretch (0.2 = width ×0.8–×1.2); the chest films were squashed
    /// to square by a per-image factor.
    #[arg(long, default_value_t = 0.0)]
    pub(super) stretch: f32,
    /// Largest Gaussian blur σ in pixels, applied to half of the training images.
    #[arg(long, default_value_t = 0.0)]
    pub(super) blur: f32,
    /// Label smoothing of the cross-entropy targets, in [0, 0.5].
    #[arg(long, default_value_t = 0.0, value_parser = parse_label_smoothing)]
    pub(super) label_smoothing: f32,
    /// Mixup (Zhang et al. 2018): blend each training image with another of its batch by
    /// λ ~ Beta(α, α) and the labels likewise; α in (0, 4], 0.2–0.4 is usual, 0 for none.
    #[arg(long, default_value_t = 0.0, value_parser = parse_mixing_alpha, conflicts_with = "adversarial")]
    pub(super) mixup: f32,
    /// CutMix (Yun et al. 2019): paste a box of another image of the batch, of area share
    /// 1 − λ with λ ~ Beta(α, α), and weight the labels by area; α in (0, 4], 1 is usual. With
    /// --mixup as well, each batch uses one of the two.
    #[arg(long, default_value_t = 0.0, value_parser = parse_mixing_alpha, conflicts_with = "adversarial")]
    pub(super) cutmix: f32,
    /// Stochastic weight averaging over the last N epochs (shipped only when it does at least
    /// as well on validation as the best single epoch).
    #[arg(long, default_value_t = 0)]
    pub(super) swa: usize,
    /// Knowledge distillation (Hinton et al. 2015): learn from this trained classifier's
    /// softened predictions as well as from the labels, e.g.
    /// assets/models/brain-mri-resnet18.safetensors (its card must be beside it).
    #[arg(long, conflicts_with = "adversarial")]
    pub(super) teacher: Option<PathBuf>,
    /// With --teacher: the softmax temperature T (> 0).
    #[arg(long, default_value_t = 4.0, requires = "teacher", value_parser = parse_temperature)]
    pub(super) distill_temperature: f32,
    /// With --teacher: the weight w of the distillation term, in [0, 1]; the labels' loss
    /// gets 1 − w.
    #[arg(long, default_value_t = 0.9, requires = "teacher", value_parser = parse_fraction)]
    pub(super) distill_weight: f32,
}

/// The command line as typed, program name replaced by `advlens`, arguments with spaces or
/// quotes single-quoted, so that a card's command can be pasted into a shell.
fn command_line() -> String {
    std::iter::once("advlens".to_string())
        .chain(std::env::args().skip(1).map(|arg| {
            if arg.is_empty() || arg.contains(|c: char| c.is_whitespace() || "'\"$`\\".contains(c))
            {
                format!("'{}'", arg.replace('\'', "'\\''"))
            } else {
                arg
            }
        }))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The command line as typed (see [`command_line`]), for a card.
pub(super) fn typed_command() -> String {
    command_line()
}

/// Opens the `--log` file for appending, if asked for.
pub(super) fn open_log(args: &TrainArgs) -> anyhow::Result<Option<std::fs::File>> {
    args.log
        .as_ref()
        .map(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))
        })
        .transpose()
}

fn model_name(args: &TrainArgs, task: Task, arch: Architecture) -> String {
    let short = match arch {
        Architecture::CompactCnn => "cnn",
        Architecture::Resnet18 => "resnet18",
    };
    args.name
        .clone()
        .unwrap_or_else(|| format!("{task}-{short}"))
}

fn train_config(args: &TrainArgs, name: &str, task: Task, arch: Architecture) -> TrainConfig {
    TrainConfig {
        name: name.to_string(),
        task,
        arch,
        epochs: args.epochs.unwrap_or(12),
        batch_size: args.batch_size.unwrap_or(64).max(1),
        learning_rate: args.lr,
        weight_decay: 1e-4,
        seed: args.seed,
        augmentation: Augmentation {
            max_shift: args.shift,
            intensity: args.intensity.max(0.0),
            flip: task == Task::BrainMri,
            max_rotation_deg: args.rotation.max(0.0),
            max_zoom: args.zoom.clamp(0.0, 0.9),
            gamma: args.gamma.max(0.0),
            noise_sigma: args.noise_sigma,
            noise_fraction: args.noise_fraction,
            stretch: args.stretch.clamp(0.0, 0.9),
            blur: args.blur.clamp(0.0, 8.0),
        },
        input_norm: args.input_norm,
        limit_train: args.limit_train,
        adversarial: args
            .adversarial
            .as_deref()
            .map(|method| AdversarialTraining {
                epsilon: args.eps,
                steps: args.steps.max(1),
                step_size: args.step_size,
                objective: if method == "trades" {
                    AdversarialObjective::Trades {
                        beta: args.trades_beta.max(0.0),
                    }
                } else {
                    AdversarialObjective::Mixed {
                        clean_weight: args.clean_weight.clamp(0.0, 0.99),
                    }
                },
            }),
        init_from: args.init_from.clone(),
        label_smoothing: args.label_smoothing,
        mixing: BatchMixing {
            mixup_alpha: args.mixup,
            cutmix_alpha: args.cutmix,
        },
        swa_epochs: args.swa,
        command: command_line(),
        min_clean_accuracy: args.min_clean_val,
        distillation: args.teacher.as_ref().map(|teacher| Distillation {
            teacher: teacher.clone(),
            temperature: args.distill_temperature,
            weight: args.distill_weight,
        }),
        checkpoint_dir: args
            .checkpoint_dir
            .clone()
            .unwrap_or_else(|| args.out.join("checkpoints").join(name)),
    }
}

/// What `--task` names: a classification or a segmentation task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainTask {
    /// A classifier.
    Classify(Task),
    /// A segmenter.
    Segment(SegmentationTask),
}

pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    let task = match args.task {
        TrainTask::Segment(task) => return super::segment_train::run(args, task),
        TrainTask::Classify(task) => task,
    };
    let arch: Architecture = args
        .arch
        .as_deref()
        .unwrap_or("compact-cnn")
        .parse()
        .map_err(anyhow::Error::msg)?;
    let name = model_name(args, task, arch);
    let config = train_config(args, &name, task, arch);
    if let Some(distillation) = &config.distillation {
        // A wrong or missing teacher is refused before the data set is loaded.
        distillation.teacher_card(task)?;
    }
    let root = args
        .datasets
        .clone()
        .or_else(shared_datasets_dir)
        .context("no data-set folder: pass --datasets or set ADVLENS_DATASETS")?;
    let dataset = load_dataset(&root, task.dataset_file())?;
    let device = super::start_device(args.device)?;
    let (bar, mut on_event) = progress_reporter(open_log(args)?, "val accuracy");
    let outcome = train_model(
        &config,
        &dataset,
        &device.device,
        &device.description,
        &mut on_event,
    )?;
    bar.finish_and_clear();
    std::fs::create_dir_all(&args.out)?;
    let weights = args.out.join(format!("{name}.safetensors"));
    let metadata = [
        ("advlens_model", name.clone()),
        ("arch", arch.to_string()),
        ("task", task.to_string()),
    ];
    save_weights(&outcome.model, &weights, args.half, &metadata)?;
    advlens::eval::save_card(&outcome.card, &args.out.join(format!("{name}.json")))?;
    println!(
        "{name}: validation {:.2}%, test {:.2}% — written to {}",
        100.0 * outcome.card.val_accuracy,
        100.0 * outcome.card.test_accuracy,
        weights.display()
    );
    Ok(())
}
