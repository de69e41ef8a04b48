//! Training a U-Net on a segmentation set: seeded shuffling and paired augmentation, `AdamW`
//! with the classifiers' warm-up and cosine schedule, BCE + soft-Dice loss, optionally on PGD
//! versions of the batches (adversarial training), the best epoch on validation Dice kept, a
//! checkpoint after every epoch (a stopped run resumes), and a card at the end.

use std::path::PathBuf;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::attack::SegmentationAttack;
use super::augment::PairAugmentation;
use super::card::{DiceCheck, SegmenterCard, SegmenterSpec};
use super::dataset::SegmentationDataset;
use super::evaluate::{score_split, summarize};
use super::loss::bce_dice_loss;
use super::{SegmentationError, SegmentationTask};
use crate::models::{DatasetInfo, InputNorm, UNet, load_module, save_module};
use crate::train::{CheckpointFiles, CheckpointState, TrainEvent, learning_rate_at};

/// How many test images the card's Dice check covers.
pub const DICE_CHECK_COUNT: usize = 16;

/// What to train and how.
#[derive(Debug, Clone)]
pub struct SegmentTrainConfig {
    /// Model name (file stem of the outputs).
    pub name: String,
    /// Task.
    pub task: SegmentationTask,
    /// Channels of the four U-Net levels.
    pub widths: [usize; 4],
    /// Epochs.
    pub epochs: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Peak learning rate.
    pub learning_rate: f64,
    /// `AdamW` weight decay.
    pub weight_decay: f32,
    /// Seed of every random choice.
    pub seed: u64,
    /// Augmentation.
    pub augmentation: PairAugmentation,
    /// Input normalisation inside the model.
    pub input_norm: InputNorm,
    /// Train on the first N training images only (quick runs).
    pub limit_train: Option<usize>,
    /// Where checkpoints go; an existing checkpoint there is resumed.
    pub checkpoint_dir: PathBuf,
    /// PGD adversarial training: each batch replaced by its attacked version (the best epoch
    /// is then chosen on validation Dice under the same attack).
    pub adversarial: Option<SegmentationAttack>,
    /// Weights to start from (adversarial fine-tuning); ignored when a checkpoint is resumed.
    pub init_from: Option<PathBuf>,
    /// The command that started the run, recorded on the card.
    pub command: String,
}

fn other<E: std::fmt::Display>(err: E) -> SegmentationError {
    SegmentationError::Other(err.to_string())
}

/// Trains a U-Net, resuming from `config.checkpoint_dir` if a checkpoint is there; returns
/// the best model on validation (evaluation mode) and its card.
///
/// # Errors
/// [`SegmentationError`] on I/O failures or a failed attack.
pub fn train_segmenter(
    config: &SegmentTrainConfig,
    dataset: &SegmentationDataset,
    device: &Device,
    device_name: &str,
    on_event: &mut dyn FnMut(TrainEvent),
) -> Result<(UNet, SegmenterCard), SegmentationError> {
    std::fs::create_dir_all(&config.checkpoint_dir).map_err(other)?;
    let files = CheckpointFiles::in_dir(&config.checkpoint_dir);
    let (input_mean, input_std) = dataset.train.pixel_statistics();
    let spec = SegmenterSpec {
        task: config.task,
        widths: config.widths,
        input_size: dataset.train.height,
        input_mean,
        input_std,
        input_norm: config.input_norm,
    };
    let autodiff = device.clone().autodiff();
    let mut state = files.read_state().unwrap_or_else(CheckpointState::fresh);
    autodiff.seed(config.seed);
    let mut model = match (&config.init_from, state.epochs_done) {
        (_, done) if done > 0 => load_module(spec.init(&autodiff), "unet", &files.current)?,
        (Some(init), _) => load_module(spec.init(&autodiff), "unet", init)?,
        (None, _) => spec.init(&autodiff),
    };
    let mut optimizer = AdamWConfig::new()
        .with_weight_decay(config.weight_decay)
        .init();
    if state.epochs_done > 0 && files.optimizer.exists() {
        optimizer = optimizer.load(&files.optimizer).map_err(other)?;
    }
    let train_count = config
        .limit_train
        .map_or(dataset.train.len(), |l| l.min(dataset.train.len()));
    let batches = train_count.div_ceil(config.batch_size.max(1));
    on_event(TrainEvent::Started {
        epoch: state.epochs_done + 1,
        batches,
    });
    for epoch in state.epochs_done + 1..=config.epochs {
        let started = Instant::now();
        let mut rng =
            ChaCha8Rng::seed_from_u64(config.seed.wrapping_mul(1000).wrapping_add(epoch as u64));
        let mut order: Vec<usize> = (0..train_count).collect();
        order.shuffle(&mut rng);
        let mut loss_sum = 0.0f32;
        for (batch_index, chunk) in order.chunks(config.batch_size.max(1)).enumerate() {
            let progress =
                ((epoch - 1) * batches + batch_index) as f64 / (config.epochs * batches) as f64;
            let learning_rate =
                learning_rate_at(config.learning_rate, progress, 1.0 / config.epochs as f64);
            let (images, masks) = augmented_pairs(dataset, chunk, config, &mut rng, &autodiff);
            let images = match &config.adversarial {
                Some(attack) => {
                    let seed = config.seed ^ ((epoch as u64) << 32) ^ batch_index as u64;
                    attack
                        .with_seed(seed)
                        .run(&model.clone().freeze(), &images, &masks)?
                        .autodiff()
                }
                None => images,
            };
            let loss = bce_dice_loss(model.forward(images), masks);
            let loss_value = super::host_values(loss.clone().detach())?
                .first()
                .copied()
                .unwrap_or(f32::NAN);
            let gradients = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(learning_rate, model, gradients);
            loss_sum += loss_value;
            on_event(TrainEvent::Batch {
                epoch,
                batch: batch_index + 1,
                loss: loss_value,
            });
        }
        let val_dice = selection_dice(config, &model, dataset, device)?;
        let seconds = started.elapsed().as_secs_f64();
        optimizer.save(&files.optimizer).map_err(other)?;
        save_module(&model, &files.current, false, &[])?;
        if val_dice > state.best_val_accuracy {
            state.best_val_accuracy = val_dice;
            state.best_epoch = epoch;
            save_module(&model, &files.best, false, &[])?;
        }
        let train_loss = loss_sum / batches.max(1) as f32;
        state.epochs_done = epoch;
        state.seconds += seconds;
        state.history.push(format!(
            "epoch {epoch}: train loss {train_loss:.4}, {} {val_dice:.4}, {seconds:.0} s",
            selection_metric(config)
        ));
        files
            .write_state(&state)
            .map_err(SegmentationError::Other)?;
        on_event(TrainEvent::Epoch {
            epoch,
            train_loss,
            val_accuracy: val_dice,
            seconds,
        });
    }
    finish(config, dataset, &spec, &files, &state, device, device_name)
}

fn selection_metric(config: &SegmentTrainConfig) -> &'static str {
    if config.adversarial.is_some() {
        "val Dice under the training attack"
    } else {
        "val Dice"
    }
}

/// Validation Dice, under the training attack when training adversarially.
fn selection_dice(
    config: &SegmentTrainConfig,
    model: &UNet,
    dataset: &SegmentationDataset,
    device: &Device,
) -> Result<f32, SegmentationError> {
    let inference = model.valid();
    let frozen = model.clone().freeze();
    let mut transform = |images: Tensor<4>, masks: Tensor<4>| match &config.adversarial {
        Some(attack) => attack.with_seed(config.seed).run(&frozen, &images, &masks),
        None => Ok(images),
    };
    let scores = score_split(&inference, &dataset.val, None, 32, device, &mut transform)?;
    Ok(summarize(&scores, &dataset.val).dice)
}

/// Loads the best weights, scores them on validation and test, and writes nothing: the caller
/// saves the weights and the card.
fn finish(
    config: &SegmentTrainConfig,
    dataset: &SegmentationDataset,
    spec: &SegmenterSpec,
    files: &CheckpointFiles,
    state: &CheckpointState,
    device: &Device,
    device_name: &str,
) -> Result<(UNet, SegmenterCard), SegmentationError> {
    let model = load_module(spec.init(&device.clone().autodiff()), "unet", &files.best)?.valid();
    let mut identity = |images: Tensor<4>, _: Tensor<4>| Ok(images);
    let val = score_split(&model, &dataset.val, None, 32, device, &mut identity)?;
    let test = score_split(&model, &dataset.test, None, 32, device, &mut identity)?;
    let card = SegmenterCard {
        name: config.name.clone(),
        spec: *spec,
        dataset: DatasetInfo {
            file: dataset.file.clone(),
            sha256: dataset.sha256.clone(),
            split_sizes: [dataset.train.len(), dataset.val.len(), dataset.test.len()],
        },
        seed: config.seed,
        epochs: state.epochs_done,
        best_epoch: state.best_epoch,
        batch_size: config.batch_size,
        learning_rate: config.learning_rate,
        augmentation: config.augmentation.describe(),
        loss: "mean binary cross-entropy + soft Dice (smoothing 1), per image, averaged over the batch".to_string(),
        adversarial_training: config.adversarial.as_ref().map(|attack| {
            format!(
                "{}; best epoch chosen on validation Dice under the same attack",
                attack.describe()
            )
        }),
        val: summarize(&val, &dataset.val),
        test: summarize(&test, &dataset.test),
        sample_check: DiceCheck {
            split: "test".to_string(),
            dice: test.iter().take(DICE_CHECK_COUNT).map(|s| s.dice).collect(),
        },
        train_seconds: state.seconds,
        train_device: device_name.to_string(),
        trained_with: env!("CARGO_PKG_VERSION").to_string(),
        commit: crate::about::COMMIT.to_string(),
        command: config.command.clone(),
        history: state.history.clone(),
    };
    Ok((model, card))
}

/// An augmented batch of images and masks on `device`.
fn augmented_pairs(
    dataset: &SegmentationDataset,
    indices: &[usize],
    config: &SegmentTrainConfig,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> (Tensor<4>, Tensor<4>) {
    let split = &dataset.train;
    let (height, width) = (split.height, split.width);
    let mut images = Vec::with_capacity(indices.len() * height * width);
    let mut masks = Vec::with_capacity(indices.len() * height * width);
    for &index in indices {
        let (image, mask) = config.augmentation.apply(
            &split.image_f32(index),
            &split.mask_f32(index),
            [height, width],
            rng,
        );
        images.extend(image);
        masks.extend(mask);
    }
    let shape = [indices.len(), 1, height, width];
    (
        Tensor::from_data(TensorData::new(images, shape), device),
        Tensor::from_data(TensorData::new(masks, shape), device),
    )
}
