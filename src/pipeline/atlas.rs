//! Every explanation method on one result: each method's map of the clean and of the
//! adversarial image, with the same class choice, block and parameters as the result's own
//! explanation, so that the methods can be compared side by side (docs/explanations.md's
//! figure, `advlens attack --explain-atlas`).

use super::{AttackResult, PipelineError};
use crate::device::ComputeDevice;
use crate::explain::ExplanationShift;
use crate::explain::{ExplainConfig, ExplainMethod, MapGeometry, explain, explanation_shift};
use crate::imaging::{GreyImage, image_from_tensor, tensor_from_image};
use crate::models::LoadedModel;

/// One method's pair of maps and how far it moved.
#[derive(Debug, Clone)]
pub struct AtlasEntry {
    /// The method.
    pub method: ExplainMethod,
    /// Its map of the clean image, in [0, 1].
    pub clean: GreyImage,
    /// Its map of the adversarial image, in [0, 1].
    pub adversarial: GreyImage,
    /// The shift between the two.
    pub shift: ExplanationShift,
}

/// The maps of every method in [`ExplainMethod::ALL`] for `result`, with `base`'s
/// parameters (class choice, block, samples, steps, baseline, window) for each.
///
/// # Errors
/// [`PipelineError`] from a map.
pub fn explanation_atlas(
    model: &LoadedModel,
    result: &AttackResult,
    base: &ExplainConfig,
    device: &ComputeDevice,
) -> Result<Vec<AtlasEntry>, PipelineError> {
    let clean = tensor_from_image(&result.original, &device.device);
    let adversarial = tensor_from_image(&result.adversarial, &device.device);
    let (clean_class, adversarial_class) = base.target.classes(
        result.clean.label,
        result.adversarial_prediction.label,
        result.label,
    );
    ExplainMethod::ALL
        .into_iter()
        .map(|method| {
            let config = ExplainConfig {
                method,
                deletion_insertion: false,
                sanity_check: false,
                ..base.clone()
            };
            let clean_map =
                image_from_tensor(explain(&model.models, &clean, clean_class, &config)?)?;
            let adversarial_map = image_from_tensor(explain(
                &model.models,
                &adversarial,
                adversarial_class,
                &config,
            )?)?;
            let shift = explanation_shift(
                &clean_map.pixels,
                &adversarial_map.pixels,
                MapGeometry::plain(clean_map.width),
            );
            Ok(AtlasEntry {
                method,
                clean: clean_map,
                adversarial: adversarial_map,
                shift,
            })
        })
        .collect()
}
