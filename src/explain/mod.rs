//! Explanations: the class-activation-map family on the last convolutional block (Grad-CAM,
//! Grad-CAM++, XGrad-CAM, HiResCAM, Layer-CAM, Eigen-CAM, Score-CAM; `cam.rs`,
//! pytorch-grad-cam's conventions) and attributions on the pixels (saliency, gradient × input,
//! SmoothGrad, Integrated Gradients, occlusion; `attribution.rs`, Captum's conventions), each as a map in
//! [0, 1] per image; how far a map moved between the clean and the adversarial scan
//! (`shift.rs`); and whether it points at what the model uses: deletion and insertion curves
//! (`faithfulness.rs`) and whether it depends on the model at all: the cascading-randomisation
//! sanity check (`sanity.rs`).

mod attribution;
mod cam;
mod config;
mod eigen;
mod faithfulness;
mod gradcam;
mod method;
mod occlusion;
mod sanity;
mod score_cam;
mod shared_pass;
mod shift;
mod target;

use burn::tensor::Tensor;

pub use attribution::{
    attribution, cumulative_threshold, display_map, input_gradient, integrated_gradients,
    integrated_gradients_baseline,
};
pub use cam::{class_activation_map, class_activation_map_reporting, resolve_block};
pub use config::{Baseline, ExplainConfig};
pub use eigen::{first_principal_projection, symmetric_eigen};
pub use faithfulness::{
    Faithfulness, FaithfulnessCurves, INSERTION_BLUR_SIGMA, STEPS as FAITHFULNESS_STEPS,
    area_under_curve, deletion_insertion, pixel_order,
};
pub use gradcam::grad_cam;
pub use method::ExplainMethod;
pub use occlusion::occlusion;
pub use sanity::{
    FLAG_SPEARMAN, SanityCheck, SanityStage, cascade_layers, cascading_randomization,
};
pub use shared_pass::explain_choosing;
pub use shift::{
    ExplanationShift, MapGeometry, RegionShare, TOP_SHARE, centroid_distance, explanation_shift,
    share_inside, spearman, top_iou,
};
pub use target::ExplainTarget;

use crate::models::ModelPair;

/// Errors from explanations.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// The class does not exist.
    #[error("class {class} does not exist; the model has {classes} classes")]
    InvalidClass {
        /// Asked for.
        class: usize,
        /// Available.
        classes: usize,
    },
    /// Autodiff returned no gradient.
    #[error("no gradient reached the explained layer")]
    NoGradient,
    /// A parameter out of range, or a method asked of the wrong family.
    #[error("{0}")]
    InvalidParameter(String),
    /// A tensor could not be read back from the device.
    #[error("could not read a tensor back from the device: {0}")]
    ReadBack(String),
}

/// Where a slow explanation reports how far along it is: (done, in all).
pub type Progress<'a> = Option<&'a (dyn Fn(usize, usize) + Sync)>;

/// Reads a tensor back to the host.
pub(crate) fn host<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, ExplainError> {
    tensor
        .try_into_data()
        .map_err(|err| ExplainError::ReadBack(format!("{err:?}")))?
        .try_to_vec()
        .map_err(|err| ExplainError::ReadBack(format!("{err:?}")))
}

/// A map to show and the values that rank its pixels by importance.
#[derive(Debug, Clone)]
pub struct RankedMap {
    /// In [0, 1], `[batch, 1, h, w]`, ready to show.
    pub display: Tensor<4>,
    /// One value per pixel, image after image, larger = more evidence for the class: the map
    /// itself for the CAM family (already non-negative), the signed attribution for the pixel
    /// methods (their display shows its magnitude, which would rank evidence *against* the
    /// class as high as evidence for it).
    pub ranking: Vec<f32>,
}

/// The map of `config.method` for `class` with its ranking values (for deletion and
/// insertion curves).
///
/// # Errors
/// As [`explain`], and [`ExplainError::ReadBack`].
pub fn explain_ranked(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    config: &ExplainConfig,
) -> Result<RankedMap, ExplainError> {
    explain_ranked_reporting(models, input, class, config, None)
}

/// As [`explain_ranked`], reporting the masked forward passes of the slow black-box methods
/// (Score-CAM, occlusion) to `progress` as (done, in all), so a window can show how far along
/// a map is.
///
/// # Errors
/// As [`explain_ranked`].
pub fn explain_ranked_reporting(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    config: &ExplainConfig,
    progress: Progress<'_>,
) -> Result<RankedMap, ExplainError> {
    crate::fault::inject(crate::fault::FaultStage::Explanation);
    config.validate()?;
    if config.method.is_cam() {
        let display = class_activation_map_reporting(
            models,
            input,
            class,
            config.method,
            config.layer,
            progress,
        )?;
        let ranking = host(display.clone())?;
        return Ok(RankedMap { display, ranking });
    }
    let raw = if config.method == ExplainMethod::Occlusion {
        occlusion::occlusion(models, input, class, config, progress)?
    } else {
        attribution(models, input, class, config)?
    };
    let ranking = host(raw.clone())?;
    Ok(RankedMap {
        display: display_map(raw)?,
        ranking,
    })
}

/// The map of `config.method` for `class`, one per image, in [0, 1], ready to show.
///
/// # Shapes
/// - input: `[batch, 1, h, w]`; output: `[batch, 1, h, w]`
///
/// # Errors
/// [`ExplainError`] for a class out of range, bad parameters or a missing gradient.
pub fn explain(
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    config: &ExplainConfig,
) -> Result<Tensor<4>, ExplainError> {
    crate::fault::inject(crate::fault::FaultStage::Explanation);
    config.validate()?;
    if config.method.is_cam() {
        class_activation_map(models, input, class, config.method, config.layer)
    } else {
        display_map(attribution(models, input, class, config)?)
    }
}
