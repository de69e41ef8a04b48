//! The training loop.

use std::time::Instant;

use burn::optim::{AdamWConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::adversarial::AdversarialObjective;
use super::batches::training_batch;
use super::checkpoint::{CheckpointFiles, CheckpointState};
use super::config::{TrainConfig, TrainError, TrainOutcome};
use super::distill::Teacher;
use super::finish::finish;
use super::loss::{balanced_class_weights, mixed_cross_entropy, weighted_cross_entropy};
use super::mixing::MixedLabels;
use super::selection::{choose_weights, clean_validation_accuracy, selection_evaluation};
use super::trades::trades_loss;
use crate::datasets::Dataset;
use crate::models::{Classifier, ModelSpec, load_weights, save_weights};

/// Progress, for a progress bar and a log.
#[derive(Debug, Clone)]
pub enum TrainEvent {
    /// Training starts (or resumes) at this epoch with this many batches per epoch.
    Started {
        /// First epoch to run (1-based).
        epoch: usize,
        /// Batches per epoch.
        batches: usize,
    },
    /// A batch finished.
    Batch {
        /// Epoch (1-based).
        epoch: usize,
        /// Batch index (1-based).
        batch: usize,
        /// Its loss.
        loss: f32,
    },
    /// An epoch finished.
    Epoch {
        /// Epoch (1-based).
        epoch: usize,
        /// Mean training loss.
        train_loss: f32,
        /// Validation accuracy.
        val_accuracy: f32,
        /// Seconds it took.
        seconds: f64,
    },
}

fn other<E: std::fmt::Display>(err: E) -> TrainError {
    TrainError::Other(err.to_string())
}

/// Trains a classifier, resuming from `config.checkpoint_dir` if a checkpoint is there.
///
/// # Errors
/// [`TrainError`] on I/O failures.
pub fn train_model(
    config: &TrainConfig,
    dataset: &Dataset,
    device: &Device,
    device_name: &str,
    on_event: &mut dyn FnMut(TrainEvent),
) -> Result<TrainOutcome, TrainError> {
    refuse_unsupported(config)?;
    std::fs::create_dir_all(&config.checkpoint_dir).map_err(other)?;
    let files = CheckpointFiles::in_dir(&config.checkpoint_dir);
    let spec = model_spec(config, dataset);
    let classes = config.task.num_classes();
    let autodiff = device.clone().autodiff();
    let mut state = files.read_state().unwrap_or_else(CheckpointState::fresh);
    // Weight initialisation draws from the backend's generator: seeding it makes a fresh run
    // repeat bit for bit (a resumed run continues from the saved weights instead).
    autodiff.seed(config.seed);
    let mut model = if state.epochs_done > 0 {
        load_weights(&spec, &files.current, &autodiff)?
    } else {
        initial_model(config, &spec, &autodiff)?
    };
    let mut optimizer = AdamWConfig::new()
        .with_weight_decay(config.weight_decay)
        .init();
    if state.epochs_done > 0 && files.optimizer.exists() {
        optimizer = optimizer.load(&files.optimizer).map_err(other)?;
    }
    let teacher = load_teacher(config, dataset, device)?;
    let train_count = training_images(config, dataset);
    let class_weights = balanced_class_weights(&dataset.train.labels[..train_count], classes);
    let batches = train_count.div_ceil(config.batch_size);
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
        for (batch_index, chunk) in order.chunks(config.batch_size).enumerate() {
            let progress =
                ((epoch - 1) * batches + batch_index) as f64 / (config.epochs * batches) as f64;
            let learning_rate =
                learning_rate_at(config.learning_rate, progress, 1.0 / config.epochs as f64);
            let (images, labels, mixed) =
                training_batch(config, dataset, chunk, &mut rng, &autodiff);
            let seed = config.seed ^ ((epoch as u64) << 32) ^ batch_index as u64;
            let loss = training_loss(
                config,
                &model,
                images,
                (&labels, mixed.as_ref()),
                (&class_weights, teacher.as_ref()),
                progress,
                seed,
            )?;
            let loss_value = loss
                .clone()
                .try_into_data()
                .ok()
                .and_then(|d| d.try_to_vec::<f32>().ok())
                .and_then(|v| v.first().copied())
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
        let evaluation = selection_evaluation(config, &model, dataset, device)?;
        let clean_accuracy = clean_validation_accuracy(config, &model, dataset, device)?;
        let seconds = started.elapsed().as_secs_f64();
        optimizer.save(&files.optimizer).map_err(other)?;
        save_epoch_weights(
            config,
            &files,
            &mut state,
            &model,
            epoch,
            (evaluation.accuracy, clean_accuracy),
        )?;
        let train_loss = loss_sum / batches.max(1) as f32;
        state.epochs_done = epoch;
        state.seconds += seconds;
        state.history.push(history_line(
            config,
            epoch,
            train_loss,
            (evaluation.accuracy, clean_accuracy),
            seconds,
        ));
        files.write_state(&state).map_err(TrainError::Other)?;
        on_event(TrainEvent::Epoch {
            epoch,
            train_loss,
            val_accuracy: evaluation.accuracy,
            seconds,
        });
    }
    let chosen = choose_weights(config, dataset, &spec, &files, &state, device)?;
    finish(config, dataset, &spec, &chosen, &state, device, device_name)
}

/// Refuses option combinations the loop cannot honour.
fn refuse_unsupported(config: &TrainConfig) -> Result<(), TrainError> {
    if config.mixing.is_active() && config.adversarial.is_some() {
        return Err(TrainError::Other(
            "mixup and CutMix apply to standard training, not to adversarial training".into(),
        ));
    }
    if config.distillation.is_some() && config.adversarial.is_some() {
        return Err(TrainError::Other(
            "distillation applies to standard training, not to adversarial training".into(),
        ));
    }
    Ok(())
}

/// The teacher of a distillation run, loaded once on the plain device.
fn load_teacher(
    config: &TrainConfig,
    dataset: &Dataset,
    device: &Device,
) -> Result<Option<Teacher>, TrainError> {
    config
        .distillation
        .as_ref()
        .map(|distillation| Teacher::load(distillation, config.task, dataset.train.height, device))
        .transpose()
}

/// How many training images a run uses (all, or the first `limit_train`).
pub(super) fn training_images(config: &TrainConfig, dataset: &Dataset) -> usize {
    config
        .limit_train
        .map_or(dataset.train.len(), |l| l.min(dataset.train.len()))
}

/// Saves an epoch's weights: the current ones, the best ones when they beat the best so far,
/// and, for weight averaging, the epoch's own (only the averaging window is kept).
fn save_epoch_weights(
    config: &TrainConfig,
    files: &CheckpointFiles,
    state: &mut CheckpointState,
    model: &Classifier,
    epoch: usize,
    (selection_accuracy, clean_accuracy): (f32, Option<f32>),
) -> Result<(), TrainError> {
    save_weights(model, &files.current, false, &[])?;
    if state.is_better(
        selection_accuracy,
        clean_accuracy,
        config.min_clean_accuracy,
    ) {
        state.best_val_accuracy = selection_accuracy;
        state.best_epoch = epoch;
        state.best_clean_accuracy = clean_accuracy;
        save_weights(model, &files.best, false, &[])?;
    }
    if config.swa_epochs > 0 {
        save_weights(model, &files.epoch(epoch), false, &[])?;
        if epoch > config.swa_epochs {
            // A missing older file is no loss: it is outside the window anyway.
            std::fs::remove_file(files.epoch(epoch - config.swa_epochs)).ok();
        }
    }
    Ok(())
}

/// The architecture, input size and input normalisation (with the training statistics).
fn model_spec(config: &TrainConfig, dataset: &Dataset) -> ModelSpec {
    let (input_mean, input_std) = dataset.train.pixel_statistics();
    ModelSpec {
        task: config.task,
        arch: config.arch,
        input_size: dataset.train.height,
        input_mean,
        input_std,
        input_norm: config.input_norm,
    }
}

/// One line of the checkpoint's history: the selection accuracy and, when that is not the
/// clean one, the clean validation accuracy beside it.
fn history_line(
    config: &TrainConfig,
    epoch: usize,
    train_loss: f32,
    (val_accuracy, clean_accuracy): (f32, Option<f32>),
    seconds: f64,
) -> String {
    let metric = if config.adversarial.is_some() {
        "PGD val accuracy".to_string()
    } else if config.augmentation.noise_sigma > 0.0 {
        format!(
            "val accuracy under noise σ = {}",
            config.augmentation.noise_sigma
        )
    } else {
        "val accuracy".to_string()
    };
    let clean = clean_accuracy.map_or(String::new(), |clean| {
        format!(" (clean val accuracy {clean:.4})")
    });
    format!(
        "epoch {epoch}: train loss {train_loss:.4}, {metric} {val_accuracy:.4}{clean}, {seconds:.0} s"
    )
}

/// Fresh weights, or the ones adversarial fine-tuning starts from.
fn initial_model(
    config: &TrainConfig,
    spec: &ModelSpec,
    autodiff: &Device,
) -> Result<Classifier, TrainError> {
    Ok(match &config.init_from {
        Some(init) => load_weights(spec, init, autodiff)?,
        None => spec.init(autodiff),
    })
}

/// The batch loss: class-weighted cross-entropy on the augmented batch (each label weighted
/// by its share of a mixup or CutMix image), mixed with the teacher's soft targets when
/// distilling, or, under adversarial training, on its PGD
/// version (at the ramped ε for this point of training) mixed with the clean loss when a
/// clean weight is set, or the TRADES loss.
fn training_loss(
    config: &TrainConfig,
    model: &Classifier,
    images: Tensor<4>,
    (labels, mixed): (&[usize], Option<&MixedLabels>),
    (class_weights, teacher): (&[f32], Option<&Teacher>),
    progress: f64,
    seed: u64,
) -> Result<Tensor<1>, TrainError> {
    let Some(adversarial) = &config.adversarial else {
        let teacher_logits = teacher.map(|teacher| teacher.logits(&images));
        let logits = model.forward(images);
        let hard = match mixed {
            Some(mixed) => mixed_cross_entropy(
                logits.clone(),
                labels,
                mixed,
                class_weights,
                config.label_smoothing,
            ),
            None => weighted_cross_entropy(
                logits.clone(),
                labels,
                class_weights,
                config.label_smoothing,
            ),
        };
        return Ok(match (teacher, teacher_logits) {
            (Some(teacher), Some(teacher_logits)) => {
                teacher.settings.loss(hard, logits, teacher_logits)
            }
            _ => hard,
        });
    };
    let perturbed = adversarial
        .adversary(
            model,
            &images,
            labels,
            adversarial.epsilon_at(progress, 1.0 / config.epochs as f64),
            seed,
        )
        .map_err(other)?;
    let clean_cross_entropy =
        |logits| weighted_cross_entropy(logits, labels, class_weights, config.label_smoothing);
    match adversarial.objective {
        AdversarialObjective::Trades { beta } => {
            let clean_logits = model.forward(images);
            Ok(trades_loss(
                clean_cross_entropy(clean_logits.clone()),
                clean_logits,
                model.forward(perturbed),
                beta,
            ))
        }
        AdversarialObjective::Mixed { clean_weight } => {
            let adversarial_loss = clean_cross_entropy(model.forward(perturbed));
            if clean_weight <= 0.0 {
                return Ok(adversarial_loss);
            }
            let clean_loss = clean_cross_entropy(model.forward(images));
            Ok(adversarial_loss
                .mul_scalar(1.0 - clean_weight)
                .add(clean_loss.mul_scalar(clean_weight)))
        }
    }
}

/// Linear warm-up over the first `warmup` fraction, then cosine decay to 2 % of the peak.
pub(crate) fn learning_rate_at(peak: f64, progress: f64, warmup: f64) -> f64 {
    if progress < warmup {
        return peak * (0.1 + 0.9 * progress / warmup);
    }
    let cosine =
        0.5 * (1.0 + (std::f64::consts::PI * (progress - warmup) / (1.0 - warmup).max(1e-9)).cos());
    peak * (0.02 + 0.98 * cosine)
}

#[cfg(test)]
mod tests {
    use super::learning_rate_at;

    #[test]
    fn schedule_warms_up_then_decays() {
        assert!(learning_rate_at(1.0, 0.0, 0.1) < 0.2);
        assert!((learning_rate_at(1.0, 0.1, 0.1) - 1.0).abs() < 1e-9);
        assert!(learning_rate_at(1.0, 0.99, 0.1) < 0.05);
    }
}
