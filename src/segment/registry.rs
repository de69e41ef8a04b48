//! The segmenters shipped in `assets/segmenters/`: a `NAME.safetensors` weight file beside its
//! `NAME.json` card (kept apart from the classifiers in `assets/models/`).

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;

use super::SegmenterCard;
use crate::models::{ModelError, UNet, load_module, probe_scans};

/// A segmenter ready for inference and for input gradients.
#[derive(Debug, Clone)]
pub struct LoadedSegmenter {
    /// Its card.
    pub card: SegmenterCard,
    /// Plain device, evaluation mode.
    pub inference: UNet,
    /// Autodiff device, evaluation mode, parameters frozen (gradients reach the input only).
    pub differentiable: UNet,
}

/// The folder of the shipped segmenters.
///
/// # Errors
/// [`ModelError`] when the assets cannot be found.
pub fn segmenters_dir() -> Result<PathBuf, ModelError> {
    Ok(crate::models::assets_dir()?.join("segmenters"))
}

/// Every shipped segmenter's card, sorted by name (none when the folder is absent).
///
/// # Errors
/// [`ModelError`] when a card cannot be read.
pub fn list_segmenters() -> Result<Vec<SegmenterCard>, ModelError> {
    let dir = segmenters_dir()?;
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut cards = Vec::new();
    for path in entries.flatten().map(|e| e.path()) {
        if path.extension().is_some_and(|ext| ext == "json")
            && path.with_extension("safetensors").is_file()
        {
            cards.push(SegmenterCard::load(&path)?);
        }
    }
    cards.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(cards)
}

/// Loads the shipped segmenter of that name.
///
/// # Errors
/// [`ModelError::UnknownModel`] naming the segmenters that exist, or a loading error.
pub fn load_segmenter(name: &str, device: &Device) -> Result<LoadedSegmenter, ModelError> {
    let cards = list_segmenters()?;
    let available = cards
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let card =
        cards
            .into_iter()
            .find(|card| card.name == name)
            .ok_or(ModelError::UnknownModel {
                name: name.to_string(),
                available,
            })?;
    let path = segmenters_dir()?.join(format!("{name}.safetensors"));
    load_segmenter_files(&path, card, device)
}

/// Loads weights described by a card onto a device and checks that the classifiers' two probe
/// scans give finite logits.
///
/// # Errors
/// As [`load_module`]; [`ModelError::InvalidCard`] for an input size that is not a multiple of
/// 8 in 8–4096; [`ModelError::WeightsMismatch`] for weights whose answer is not finite.
pub fn load_segmenter_files(
    weights_path: &Path,
    card: SegmenterCard,
    device: &Device,
) -> Result<LoadedSegmenter, ModelError> {
    let size = card.spec.input_size;
    if !(8..=4096).contains(&size) || !size.is_multiple_of(8) {
        return Err(ModelError::InvalidCard {
            reason: format!("input size {size} is not a multiple of 8 in 8–4096 pixels"),
            path: weights_path.with_extension("json").display().to_string(),
        });
    }
    let autodiff = device.clone().autodiff();
    let model = load_module(card.spec.init(&autodiff), "unet", weights_path)?;
    let inference = model.valid();
    let logits = inference.forward(probe_scans(size, device));
    let finite = logits
        .into_data()
        .try_to_vec::<f32>()
        .is_ok_and(|values| values.iter().all(|v| v.is_finite()));
    if !finite {
        return Err(ModelError::WeightsMismatch {
            arch: "unet".to_string(),
            detail: "the weights give a non-finite answer (NaN or Inf in the weights)".to_string(),
            path: weights_path.display().to_string(),
        });
    }
    Ok(LoadedSegmenter {
        card,
        inference,
        differentiable: model.freeze(),
    })
}
