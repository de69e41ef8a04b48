//! The clean half of every run, written once: the model input of the scan, its
//! probabilities, the label the attack leaves and the target it aims for — checked against the
//! model's classes. `run_pipeline`, `FgsmSession` and the ε sweep all start here.

use std::sync::Arc;

use burn::tensor::Tensor;

use super::clean_cache::CleanCache;
use super::{AttackSpec, PipelineError};
use crate::attacks::{AttackError, predicted_class, probabilities, resolve_target};
use crate::device::ComputeDevice;
use crate::imaging::{Scan, model_input_from_scan};
use crate::models::{LoadedModel, ModelPair};

/// A clean image made ready for an attack.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// The model input, `[1, 1, h, w]` in [0, 1].
    pub clean: Tensor<4>,
    /// The model's probabilities on it.
    pub clean_probs: Vec<f32>,
    /// The class the attack moves away from (true label, or the clean prediction).
    pub label: usize,
    /// The class a targeted attack aims for.
    pub target: Option<usize>,
    /// Millimetres per model-input pixel `[across, down]`, when the scan states its spacing.
    pub pixel_mm: Option<[f64; 2]>,
    /// What later runs on this clean image can reuse (an FGSM session's further ε).
    pub cache: Arc<CleanCache>,
}

impl Prepared {
    /// Prepares a scan for `model`.
    ///
    /// # Errors
    /// [`PipelineError`] for invalid attack parameters, an out-of-range label, or a read-back.
    pub fn from_scan(
        model: &LoadedModel,
        scan: &Scan,
        spec: &AttackSpec,
        device: &ComputeDevice,
    ) -> Result<Self, PipelineError> {
        let size = model.card.spec.input_size;
        let clean = model_input_from_scan(scan, size, &device.device);
        let mut prepared = Self::from_input(&model.models, clean, spec)?;
        prepared.pixel_mm = scan.metadata.model_pixel_mm(size);
        Ok(prepared)
    }

    /// Prepares a model input that is already a tensor.
    ///
    /// # Errors
    /// [`AttackError`] for invalid attack parameters, an out-of-range label, or a read-back.
    pub fn from_input(
        models: &ModelPair,
        clean: Tensor<4>,
        spec: &AttackSpec,
    ) -> Result<Self, AttackError> {
        let clean_probs = probabilities(models, &clean)?
            .into_iter()
            .next()
            .unwrap_or_default();
        let classes = clean_probs.len();
        spec.attack.validate(classes)?;
        if let Some(region) = &spec.attack.region {
            let [_, _, height, width] = clean.dims();
            region.check_for(spec.attack.kind, width, height)?;
        }
        let label = spec
            .true_label
            .unwrap_or_else(|| predicted_class(&clean_probs));
        if label >= classes {
            return Err(AttackError::InvalidTarget {
                class: label,
                classes,
            });
        }
        let target = resolve_target(spec.attack.target, &clean_probs);
        Ok(Self {
            clean,
            clean_probs,
            label,
            target,
            pixel_mm: None,
            cache: Arc::default(),
        })
    }

    /// The class the attack's loss is about: the target, else the label.
    #[must_use]
    pub fn aim(&self) -> usize {
        self.target.unwrap_or(self.label)
    }
}
