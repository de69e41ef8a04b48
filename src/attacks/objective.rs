//! The one seam every gradient attack differentiates through: the attacked model's logits
//! (the bare model, or the defence in front of it — exactly, by BPDA or with EOT draws), a
//! per-row objective on those logits, and ∇ₓ of its sum. FGSM, PGD, APGD, DeepFool and C&W
//! differ only in the objective they hand it.

use burn::tensor::{Device, Tensor, TensorData};

use super::AttackError;
use super::adaptive::DefenseGradientPath;
use super::region::gradient_masked;
use crate::models::Classifier;

thread_local! {
    /// Backward passes through a model's input or features run on this thread (attacks and
    /// explanations): lets a test prove that a score-based attack or a gradient-free
    /// explanation never computes a gradient.
    static BACKWARD_PASSES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Backward passes run on the calling thread since it started.
#[must_use]
pub fn backward_passes_on_this_thread() -> usize {
    BACKWARD_PASSES.with(std::cell::Cell::get)
}

/// Counts one backward pass on this thread (called wherever an attack or an explanation
/// differentiates).
pub(crate) fn count_backward_pass() {
    BACKWARD_PASSES.with(|count| count.set(count.get() + 1));
}

/// Something whose logits an attack differentiates: for an autodiff leaf `[batch, 1, h, w]`,
/// the logits of every draw stacked along the batch (`[draws·batch, classes]`, draw-major).
pub(crate) trait AttackedLogits: Sync {
    /// The stacked logits and the number of draws.
    ///
    /// # Errors
    /// [`AttackError`] if the defence fails.
    fn logits(&self, leaf: &Tensor<4>) -> Result<(Tensor<2>, usize), AttackError>;
}

/// The model, behind the defence the attacker knows of.
pub(crate) struct AttackedModel<'a> {
    /// The model on the autodiff device, parameters frozen.
    pub model: &'a Classifier,
    /// The defence attacked through, if any.
    pub path: Option<&'a dyn DefenseGradientPath>,
    /// The region the attack is confined to: the input gradient is zero outside it.
    pub region: Option<&'a Tensor<4>>,
}

impl AttackedLogits for AttackedModel<'_> {
    fn logits(&self, leaf: &Tensor<4>) -> Result<(Tensor<2>, usize), AttackError> {
        let masked;
        let leaf = match self.region {
            Some(mask) => {
                masked = gradient_masked(leaf.clone(), mask);
                &masked
            }
            None => leaf,
        };
        let Some(path) = self.path else {
            return Ok((self.model.forward(leaf.clone()), 1));
        };
        let samples = path.samples().max(1);
        let defended = if path.differentiable() {
            let draws = (0..samples)
                .map(|_| path.transform(leaf))
                .collect::<Result<Vec<_>, _>>()?;
            Tensor::cat(draws, 0)
        } else {
            // BPDA: x + stop_gradient(T(x) − x): the forward pass sees the defended input, the
            // gradient flows to x unchanged.
            let plain = leaf.clone().without_autodiff();
            let mut shifted = Vec::with_capacity(samples);
            for _ in 0..samples {
                shifted.push(path.transform(&plain)?.sub(plain.clone()));
            }
            let offsets = Tensor::cat(shifted, 0).autodiff();
            let repeated = if samples == 1 {
                leaf.clone()
            } else {
                leaf.clone().repeat_dim(0, samples)
            };
            repeated.add(offsets)
        };
        Ok((self.model.forward(defended), samples))
    }
}

/// The logits an objective sees: the autodiff tensor and a host copy, one row per draw and
/// image (row `r` is image `r % images`).
pub(crate) struct LogitRows {
    /// `[rows, classes]` on the autodiff device.
    pub logits: Tensor<2>,
    /// Host copy of the same values.
    pub host: Vec<Vec<f32>>,
    /// Images in the batch.
    pub images: usize,
}

impl LogitRows {
    /// The image a row belongs to.
    #[must_use]
    pub fn image_of(&self, row: usize) -> usize {
        row % self.images.max(1)
    }

    /// Classes per row.
    #[must_use]
    pub fn classes(&self) -> usize {
        self.host.first().map_or(0, Vec::len)
    }

    /// A per-image class list expanded to one class per row.
    #[must_use]
    pub fn per_row(&self, per_image: &[usize]) -> Vec<usize> {
        (0..self.host.len())
            .map(|row| per_image[self.image_of(row)])
            .collect()
    }

    /// A `[rows, classes]` one-hot selector with a 1 at `classes[row]` in each row.
    #[must_use]
    pub fn one_hot(&self, classes: &[usize]) -> Tensor<2> {
        one_hot_rows(classes, self.classes(), &self.logits.device())
    }

    /// Each row's logit at `classes[row]`, `[rows]`.
    #[must_use]
    pub fn pick(&self, classes: &[usize]) -> Tensor<1> {
        let rows = self.host.len();
        self.logits
            .clone()
            .mul(self.one_hot(classes))
            .sum_dim(1)
            .reshape([rows])
    }
}

/// A `[rows, classes]` tensor with a 1 at `(row, classes[row])`.
pub(crate) fn one_hot_rows(classes: &[usize], count: usize, device: &Device) -> Tensor<2> {
    let mut values = vec![0.0f32; classes.len() * count];
    for (row, &class) in classes.iter().enumerate() {
        if class < count {
            values[row * count + class] = 1.0;
        }
    }
    Tensor::from_data(TensorData::new(values, [classes.len(), count]), device)
}

/// What one differentiation returns.
pub(crate) struct Differentiated {
    /// ∇ₓ of the objective summed over rows, on the plain device, `[batch, 1, h, w]`.
    pub gradient: Tensor<4>,
    /// Per image, the objective averaged over the draws.
    pub values: Vec<f32>,
    /// Per image, the logits averaged over the draws.
    pub logits: Vec<Vec<f32>>,
    /// Draws of the defence summed in the gradient (1 without a random defence).
    pub draws: usize,
}

/// Reads a tensor back to the host.
pub(crate) fn host_values<const D: usize>(tensor: Tensor<D>) -> Result<Vec<f32>, AttackError> {
    tensor
        .try_into_data()
        .map_err(|err| AttackError::ReadBack(format!("{err:?}")))?
        .try_to_vec()
        .map_err(|err| AttackError::ReadBack(format!("{err:?}")))
}

/// Averages draw-major rows into one row per image.
fn mean_over_draws(rows: &[Vec<f32>], images: usize) -> Vec<Vec<f32>> {
    let classes = rows.first().map_or(0, Vec::len);
    let draws = (rows.len() / images.max(1)).max(1);
    let mut mean = vec![vec![0.0f32; classes]; images];
    for (row, values) in rows.iter().enumerate() {
        for (sum, value) in mean[row % images].iter_mut().zip(values) {
            *sum += value / draws as f32;
        }
    }
    mean
}

/// ∇ₓ of `Σ_rows objective(rows)` at `input`, with the per-image objective and logits.
///
/// # Errors
/// [`AttackError`] from the defence, a read-back or a missing gradient.
pub(crate) fn differentiate(
    target: &dyn AttackedLogits,
    input: &Tensor<4>,
    objective: &dyn Fn(&LogitRows) -> Tensor<1>,
) -> Result<Differentiated, AttackError> {
    let images = input.dims()[0];
    let leaf = input.clone().without_autodiff().autodiff().require_grad();
    let (logits, draws) = target.logits(&leaf)?;
    let [rows, classes] = logits.dims();
    let flat = host_values(logits.clone().detach())?;
    let host: Vec<Vec<f32>> = flat.chunks(classes.max(1)).map(<[f32]>::to_vec).collect();
    debug_assert_eq!(host.len(), rows);
    let rows_view = LogitRows {
        logits,
        host,
        images,
    };
    let per_row = objective(&rows_view);
    let row_values = host_values(per_row.clone().detach())?;
    let grads = per_row.sum().backward();
    count_backward_pass();
    let gradient = leaf.grad(&grads).ok_or(AttackError::NoGradient)?;
    let mut values = vec![0.0f32; images];
    for (row, value) in row_values.iter().enumerate() {
        values[row % images.max(1)] += value / draws.max(1) as f32;
    }
    Ok(Differentiated {
        gradient,
        values,
        logits: mean_over_draws(&rows_view.host, images),
        draws,
    })
}
