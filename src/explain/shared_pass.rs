//! The model's probabilities and the explanation of one image from as few passes as possible.
//! For the gradient CAM methods the forward pass that gives the explained block's activations
//! goes on through the head to the logits, so the probabilities (which decide the class to
//! explain) and the map share one forward pass; the other methods need their own passes, and
//! the probabilities then take a plain forward of their own.

use burn::tensor::Tensor;
use burn::tensor::activation::softmax;

use super::cam::{BlockPass, coarse_map, finish_map, resolve_block};
use super::{
    ExplainConfig, ExplainError, ExplainMethod, Progress, RankedMap, explain_ranked_reporting, host,
};
use crate::models::ModelPair;

/// The probabilities of one image (`[1, 1, h, w]`) and its map for the class `choose` picks
/// from them, as [`explain_ranked_reporting`] would give it for that class.
///
/// # Errors
/// As [`explain_ranked_reporting`]; [`ExplainError::InvalidParameter`] for a batch of more
/// than one image.
pub fn explain_choosing(
    models: &ModelPair,
    input: &Tensor<4>,
    config: &ExplainConfig,
    choose: impl FnOnce(&[f32]) -> usize,
    progress: Progress<'_>,
) -> Result<(Vec<f32>, RankedMap), ExplainError> {
    let [batch, _, height, width] = input.dims();
    if batch != 1 {
        return Err(ExplainError::InvalidParameter(format!(
            "one image at a time, not {batch}"
        )));
    }
    let shares_pass = config.method.is_cam() && config.method != ExplainMethod::ScoreCam;
    if !shares_pass {
        let probs = models
            .inference
            .probability_rows(input.clone().without_autodiff())
            .map_err(|err| ExplainError::ReadBack(err.reason()))?
            .concat();
        let class = choose(&probs);
        let map = explain_ranked_reporting(models, input, class, config, progress)?;
        return Ok((probs, map));
    }
    crate::fault::inject(crate::fault::FaultStage::Explanation);
    config.validate()?;
    let block = resolve_block(models, config.layer)?;
    let pass = BlockPass::run(models, input, block);
    let probs = host(softmax(pass.logits.clone().without_autodiff(), 1))?;
    let class = choose(&probs);
    let signals = pass.signals(class, config.method != ExplainMethod::EigenCam)?;
    let display = finish_map(coarse_map(config.method, signals)?, [height, width]);
    let ranking = host(display.clone())?;
    Ok((probs, RankedMap { display, ranking }))
}
