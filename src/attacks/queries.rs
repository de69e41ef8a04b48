//! What a score-based (black-box) attack may ask: the logits of a batch, through the defence
//! when it attacks the defended system; never a gradient. Each call is one query per image.

use burn::tensor::Tensor;

use super::AttackError;
use super::adaptive::DefenseGradientPath;
use super::objective::host_values;
use crate::models::Classifier;

/// Scores of a batch, read back to the host: one row of logits per image.
pub(crate) trait ScoreQueries: Sync {
    /// The logits of `images` (`[batch, 1, h, w]` in [0, 1]).
    ///
    /// # Errors
    /// [`AttackError`] from the defence or a read-back.
    fn logits(&self, images: &Tensor<4>) -> Result<Vec<Vec<f32>>, AttackError>;
}

/// The model in inference mode, behind the defence the attacker queries, if any.
pub(crate) struct QueriedModel<'a> {
    /// The model on the plain device.
    pub model: &'a Classifier,
    /// The defence in front of it.
    pub path: Option<&'a dyn DefenseGradientPath>,
}

impl ScoreQueries for QueriedModel<'_> {
    fn logits(&self, images: &Tensor<4>) -> Result<Vec<Vec<f32>>, AttackError> {
        let plain = images.clone().without_autodiff();
        let seen = match self.path {
            Some(path) => path.transform(&plain)?,
            None => plain,
        };
        let logits = self.model.forward(seen);
        let classes = logits.dims()[1];
        Ok(host_values(logits)?
            .chunks(classes.max(1))
            .map(<[f32]>::to_vec)
            .collect())
    }
}
