//! Which weights a run ships: the selection metric each epoch is judged by (validation
//! accuracy, under the training attack or noise when there is one) and, at the end, the best
//! epoch or the weight average of the last ones, whichever does at least as well on it.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::batches::augmented_batch;
use super::checkpoint::{CheckpointFiles, CheckpointState};
use super::config::{TrainConfig, TrainError};
use super::evaluate::{BatchTransform, Evaluation, evaluate_split_with};
use super::finish::ChosenWeights;
use super::trainer::training_images;
use super::weight_average::{average_weights, recalibrate_batch_norm};
use crate::datasets::Dataset;
use crate::models::{Classifier, ModelSpec, save_weights};

/// The best single epoch's weights or, when weight averaging is asked for and does at least
/// as well on the selection metric, the average of the last epochs.
pub(super) fn choose_weights(
    config: &TrainConfig,
    dataset: &Dataset,
    spec: &ModelSpec,
    files: &CheckpointFiles,
    state: &CheckpointState,
    device: &Device,
) -> Result<ChosenWeights, TrainError> {
    let best = ChosenWeights {
        path: files.best.clone(),
        weight_averaging: None,
    };
    let window = config.swa_epochs.min(state.epochs_done);
    if window == 0 {
        return Ok(best);
    }
    let first = state.epochs_done + 1 - window;
    let paths: Vec<_> = (first..=state.epochs_done)
        .map(|e| files.epoch(e))
        .collect();
    let autodiff = device.clone().autodiff();
    let averaged = average_weights(spec, &paths, &autodiff)?;
    let train_count = training_images(config, dataset);
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed.wrapping_mul(1000).wrapping_add(999));
    let mut order: Vec<usize> = (0..train_count).collect();
    order.shuffle(&mut rng);
    let batches: Vec<Vec<usize>> = order
        .chunks(config.batch_size)
        .map(<[usize]>::to_vec)
        .collect();
    recalibrate_batch_norm(
        &averaged,
        batches.iter().map(|chunk| {
            augmented_batch(dataset, chunk, &config.augmentation, &mut rng, &autodiff).0
        }),
    );
    let evaluation = selection_evaluation(config, &averaged, dataset, device)?;
    let kept = evaluation.accuracy >= state.best_val_accuracy;
    let swa_path = files.averaged();
    save_weights(&averaged, &swa_path, false, &[])?;
    let words = format!(
        "stochastic weight averaging of epochs {first}–{} (batch-norm statistics re-estimated on one pass of augmented training data): selection accuracy {:.2}% against {:.2}% for the best single epoch ({}); {} kept",
        state.epochs_done,
        100.0 * evaluation.accuracy,
        100.0 * state.best_val_accuracy,
        state.best_epoch,
        if kept {
            "the average was"
        } else {
            "the best single epoch was"
        }
    );
    Ok(ChosenWeights {
        path: if kept { swa_path } else { files.best.clone() },
        weight_averaging: Some(words),
    })
}

/// Validation accuracy, under the training attack when training adversarially, and under
/// the training noise (one seeded draw per image, the same every epoch, clipped to [0, 1] as
/// the smoothing defence's copies are) when training a base model for randomized smoothing.
pub(super) fn selection_evaluation(
    config: &TrainConfig,
    model: &Classifier,
    dataset: &Dataset,
    device: &Device,
) -> Result<Evaluation, TrainError> {
    let sigma = config.augmentation.noise_sigma;
    let mut batch_index = 0u64;
    let mut transform = |images: Tensor<4>, labels: &[usize]| match &config.adversarial {
        Some(adversarial) => adversarial
            .perturb(model, &images, labels, adversarial.epsilon, config.seed)
            .map(Tensor::without_autodiff)
            .map_err(|err| err.to_string()),
        None if sigma > 0.0 => {
            batch_index += 1;
            let noise = crate::attacks::random::normal(
                images.dims(),
                config.seed,
                batch_index,
                &images.device(),
            );
            Ok(images.add(noise.mul_scalar(sigma)).clamp(0.0, 1.0))
        }
        None => Ok(images),
    };
    validate(config, model, dataset, device, &mut transform)
}

/// Clean validation accuracy when the selection metric is another (under the training attack
/// or noise), so that each epoch's history shows what robustness costs; `None` otherwise.
pub(super) fn clean_validation_accuracy(
    config: &TrainConfig,
    model: &Classifier,
    dataset: &Dataset,
    device: &Device,
) -> Result<Option<f32>, TrainError> {
    if config.adversarial.is_none() && config.augmentation.noise_sigma <= 0.0 {
        return Ok(None);
    }
    let evaluation = validate(config, model, dataset, device, &mut |images, _| Ok(images))?;
    Ok(Some(evaluation.accuracy))
}

/// The model, in evaluation mode, on the whole validation split, every batch passed through
/// `transform` first.
fn validate(
    config: &TrainConfig,
    model: &Classifier,
    dataset: &Dataset,
    device: &Device,
    transform: &mut BatchTransform<'_>,
) -> Result<Evaluation, TrainError> {
    evaluate_split_with(
        &model.valid(),
        &dataset.val,
        config.task.num_classes(),
        None,
        128,
        device,
        transform,
    )
    .map_err(TrainError::Other)
}
