//! The end of a training run: the best weights on validation, evaluated on validation and
//! test, and the model card that records how they were made.

use burn::module::Module;
use burn::tensor::Device;

use super::checkpoint::CheckpointState;
use super::config::{TrainConfig, TrainError, TrainOutcome};
use super::evaluate::evaluate_split;
use crate::datasets::Dataset;
use crate::models::{DatasetInfo, ModelCard, ModelSpec, SampleCheck, load_weights};

/// How many test images the card's reload check covers.
pub const SAMPLE_CHECK_COUNT: usize = 64;

/// The weights a run ships: its best epoch's or a weight average.
pub(super) struct ChosenWeights {
    /// Where they are.
    pub path: std::path::PathBuf,
    /// How weight averaging went, in words, if it was asked for.
    pub weight_averaging: Option<String>,
}

/// How the clean-accuracy floor, if any, bore on the choice of the epoch, for the card.
fn clean_floor_words(config: &TrainConfig, state: &CheckpointState) -> String {
    let Some(floor) = config.min_clean_accuracy else {
        return String::new();
    };
    let percent = 100.0 * floor;
    if state.meets_floor(floor) {
        format!(" among the epochs with clean validation accuracy ≥ {percent:.1}%")
    } else {
        format!(
            " among the epochs with clean validation accuracy ≥ {percent:.1}%; none reached it, so the epoch with the most clean accuracy"
        )
    }
}

/// Loads the chosen weights, evaluates them on validation and test, and writes the card.
pub(super) fn finish(
    config: &TrainConfig,
    dataset: &Dataset,
    spec: &ModelSpec,
    chosen: &ChosenWeights,
    state: &CheckpointState,
    device: &Device,
    device_name: &str,
) -> Result<TrainOutcome, TrainError> {
    let classes = config.task.num_classes();
    let model = load_weights(spec, &chosen.path, &device.clone().autodiff())?.valid();
    let val = evaluate_split(&model, &dataset.val, classes, None, 128, device)
        .map_err(TrainError::Other)?;
    let test = evaluate_split(&model, &dataset.test, classes, None, 128, device)
        .map_err(TrainError::Other)?;
    let sample_count = SAMPLE_CHECK_COUNT.min(dataset.test.len());
    let sample_predictions = test.predictions[..sample_count].to_vec();
    let sample_correct = sample_predictions
        .iter()
        .zip(&dataset.test.labels)
        .filter(|(p, l)| p == l)
        .count();
    let card = ModelCard {
        name: config.name.clone(),
        spec: *spec,
        classes: config
            .task
            .classes()
            .iter()
            .map(ToString::to_string)
            .collect(),
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
        augmentation: if config.augmentation.noise_sigma > 0.0 {
            format!(
                "{}; best epoch chosen on validation accuracy under the same noise{}",
                config.augmentation.describe(),
                clean_floor_words(config, state)
            )
        } else {
            config.augmentation.describe()
        },
        adversarial_training: config.adversarial.map(|a| {
            let start = config.init_from.as_ref().map_or(String::new(), |path| {
                format!(
                    "; fine-tuned from {}",
                    path.file_stem()
                        .map_or_else(String::new, |s| s.to_string_lossy().into_owned())
                )
            });
            format!(
                "{}{start}; best epoch chosen on PGD validation accuracy{}",
                a.describe(),
                clean_floor_words(config, state)
            )
        }),
        val_accuracy: val.accuracy,
        test_accuracy: test.accuracy,
        per_class_recall: test.recall,
        confusion_matrix: test.confusion,
        sample_check: SampleCheck {
            split: "test".to_string(),
            count: sample_count,
            accuracy: sample_correct as f32 / sample_count.max(1) as f32,
            predictions: sample_predictions,
        },
        feature_squeezing: None,
        robustness: Vec::new(),
        train_seconds: state.seconds,
        train_device: device_name.to_string(),
        trained_with: env!("CARGO_PKG_VERSION").to_string(),
        commit: Some(crate::about::COMMIT.to_string()),
        command: (!config.command.is_empty()).then(|| config.command.clone()),
        loss: Some(loss_words(config)?),
        weight_averaging: chosen.weight_averaging.clone(),
        noise_sigma: (config.augmentation.noise_sigma > 0.0)
            .then_some(config.augmentation.noise_sigma),
    };
    Ok(TrainOutcome { model, card })
}

/// The training loss in words, for the card: class-balanced cross-entropy with its label
/// smoothing and batch mixing, and the teacher (with its weights' SHA-256) when distilling.
fn loss_words(config: &TrainConfig) -> Result<String, TrainError> {
    let smoothing = if config.label_smoothing > 0.0 {
        format!(", label smoothing {}", config.label_smoothing)
    } else {
        String::new()
    };
    let mixing = config.mixing.describe().map_or_else(String::new, |mixing| {
        format!("; batches mixed by {mixing}, each label weighted by its share of the image")
    });
    let hard = format!("class-balanced cross-entropy{smoothing}{mixing}");
    let Some(distillation) = &config.distillation else {
        return Ok(hard);
    };
    Ok(format!("{hard}; {}", distillation.card_words()?))
}
