//! The models shipped in `assets/models/`: a `NAME.safetensors` weight file beside its
//! `NAME.json` card. Loading gives an inference copy and a frozen copy on the autodiff device
//! for input gradients.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};

use super::{Classifier, ModelCard, ModelError, load_weights};

/// A shipped model on disk.
#[derive(Debug, Clone)]
pub struct ShippedModel {
    /// Its name (file stem).
    pub name: String,
    /// Its card.
    pub card: ModelCard,
    /// The weight file.
    pub weights_path: PathBuf,
}

/// A model ready for inference and for input gradients.
#[derive(Debug, Clone)]
pub struct LoadedModel {
    /// Its name.
    pub name: String,
    /// Its card.
    pub card: ModelCard,
    /// The network, for inference and for input gradients.
    pub models: ModelPair,
}

/// One network in two forms: evaluation mode on the plain device (fast forward passes), and
/// evaluation mode on the autodiff device with frozen parameters (gradients flow to the input
/// only).
#[derive(Debug, Clone)]
pub struct ModelPair {
    /// Plain device, evaluation mode.
    pub inference: Classifier,
    /// Autodiff device, evaluation mode, parameters frozen.
    pub differentiable: Classifier,
    /// The network as it was given, batch norms not folded, on the autodiff device: for work
    /// that replaces parameters, such as the explanations' randomisation checks.
    pub as_given: Classifier,
}

impl ModelPair {
    /// Both forms of a network that lives on an autodiff device, with its batch norms folded
    /// into the convolutions (the same function up to float rounding; one pass per layer
    /// instead of five).
    #[must_use]
    pub fn new(model_on_autodiff_device: Classifier) -> Self {
        let folded = model_on_autodiff_device.clone().with_batch_norm_folded();
        Self {
            inference: folded.valid(),
            differentiable: folded.freeze(),
            as_given: model_on_autodiff_device,
        }
    }

    /// Both forms of the network exactly as given (training uses this: its weights change
    /// every step, and the reproducibility of its runs rests on the unfolded arithmetic).
    #[must_use]
    pub fn unfolded(model_on_autodiff_device: Classifier) -> Self {
        Self {
            inference: model_on_autodiff_device.valid(),
            differentiable: model_on_autodiff_device.clone().freeze(),
            as_given: model_on_autodiff_device,
        }
    }
}

/// Where the assets live, found at run time (`crate::resources` has the search order).
///
/// # Errors
/// [`ResourceNotFound`](crate::resources::ResourceNotFound) naming every place it looked.
pub fn assets_dir() -> Result<PathBuf, crate::resources::ResourceNotFound> {
    crate::resources::locate(crate::resources::Resource::Assets)
}

/// Every shipped model with a card and a weight file, sorted by name.
///
/// # Errors
/// [`ModelError`] when a card cannot be read.
pub fn list_shipped() -> Result<Vec<ShippedModel>, ModelError> {
    let dir = assets_dir()?.join("models");
    let entries = std::fs::read_dir(&dir).map_err(|err| ModelError::File {
        action: "listing the shipped models",
        reason: err.to_string(),
        path: dir.display().to_string(),
    })?;
    let mut models = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            let weights_path = path.with_extension("safetensors");
            if weights_path.is_file() {
                let card = ModelCard::load(&path)?;
                models.push(ShippedModel {
                    name: card.name.clone(),
                    card,
                    weights_path,
                });
            }
        }
    }
    models.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(models)
}

/// The shipped model of that name.
///
/// # Errors
/// [`ModelError::UnknownModel`] naming the models that exist.
pub fn find_shipped(name: &str) -> Result<ShippedModel, ModelError> {
    let models = list_shipped()?;
    let available = models
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    models
        .into_iter()
        .find(|model| model.name == name)
        .ok_or(ModelError::UnknownModel {
            name: name.to_string(),
            available,
        })
}

/// Loads a shipped model onto a device.
///
/// # Errors
/// As [`find_shipped`] and [`load_weights`].
pub fn load_shipped(name: &str, device: &Device) -> Result<LoadedModel, ModelError> {
    let shipped = find_shipped(name)?;
    load_model_files(&shipped.weights_path, shipped.card, device)
}

/// Two probe scans: a diagonal ramp and its negative. Neither is constant, so whatever the
/// input normalisation, every layer sees values of both signs and an Inf weight cannot hide
/// behind a zero or a `ReLU`.
pub(crate) fn probe_scans(size: usize, device: &Device) -> Tensor<4> {
    let ramp: Vec<f32> = (0..size * size)
        .map(|i| ((i / size + i % size) as f32 / (2 * size) as f32).clamp(0.0, 1.0))
        .collect();
    let values: Vec<f32> = ramp
        .iter()
        .copied()
        .chain(ramp.iter().map(|v| 1.0 - v))
        .collect();
    Tensor::from_data(TensorData::new(values, [2, 1, size, size]), device)
}

/// Loads weights described by a card (shipped or the user's own) onto a device, and checks
/// that they answer two probe scans with finite logits (NaN or Inf anywhere in the weights or
/// the batch-norm statistics shows up there).
///
/// # Errors
/// As [`load_weights`]; [`ModelError::WeightsMismatch`] for weights whose answer is not
/// finite; [`ModelError::InvalidCard`] for a card whose input size is outside 8–4096.
pub fn load_model_files(
    weights_path: &Path,
    card: ModelCard,
    device: &Device,
) -> Result<LoadedModel, ModelError> {
    let size = card.spec.input_size;
    if !(8..=4096).contains(&size) {
        return Err(ModelError::InvalidCard {
            reason: format!("input size {size} is outside 8–4096 pixels"),
            path: weights_path.with_extension("json").display().to_string(),
        });
    }
    let autodiff_device = device.clone().autodiff();
    let models = ModelPair::new(load_weights(&card.spec, weights_path, &autodiff_device)?);
    let logits = models.inference.forward(probe_scans(size, device));
    let finite = logits
        .into_data()
        .try_to_vec::<f32>()
        .is_ok_and(|values| values.iter().all(|v| v.is_finite()));
    if !finite {
        return Err(ModelError::WeightsMismatch {
            arch: card.spec.arch.to_string(),
            detail: "the weights give a non-finite answer (NaN or Inf in the weights)".to_string(),
            path: weights_path.display().to_string(),
        });
    }
    Ok(LoadedModel {
        name: card.name.clone(),
        card,
        models,
    })
}
