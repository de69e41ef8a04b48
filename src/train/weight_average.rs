//! Stochastic weight averaging (Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima
//! and Better Generalization"): the mean of the weights of the last epochs, whose batch-norm
//! statistics are then re-estimated with one pass over the training data, because the mean
//! of several models' running statistics is not the statistics of the averaged model.

use std::path::PathBuf;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Tensor, TensorData};

use super::config::TrainError;
use crate::models::{Classifier, ModelSpec, load_weights};

/// Sums every float tensor of a module (parameters and batch-norm buffers), in visiting order.
struct TensorSums {
    sums: Vec<Vec<f64>>,
    next: usize,
    error: Option<String>,
}

impl ModuleVisitor for TensorSums {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let values = param
            .val()
            .try_into_data()
            .ok()
            .and_then(|data| data.try_to_vec::<f32>().ok());
        let Some(values) = values else {
            self.error = Some("a weight tensor could not be read".to_string());
            return;
        };
        match self.sums.get_mut(self.next) {
            Some(sum) if sum.len() == values.len() => {
                for (total, value) in sum.iter_mut().zip(values) {
                    *total += f64::from(value);
                }
            }
            Some(_) => self.error = Some("the averaged models differ in shape".to_string()),
            None => self.sums.push(values.into_iter().map(f64::from).collect()),
        }
        self.next += 1;
    }
}

/// Replaces every float tensor, in visiting order, by the stored mean.
struct WriteMeans {
    means: Vec<Vec<f32>>,
    next: usize,
}

impl ModuleMapper for WriteMeans {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let Some(mean) = self.means.get_mut(self.next) else {
            return param;
        };
        let values = std::mem::take(mean);
        self.next += 1;
        param.map(|tensor| {
            let shape = tensor.shape();
            let device = tensor.device();
            let require_grad = tensor.is_require_grad();
            let averaged = Tensor::<D>::from_data(TensorData::new(values, shape), &device);
            if require_grad {
                averaged.require_grad()
            } else {
                averaged
            }
        })
    }
}

/// Re-estimates the batch-norm running statistics of `model` (on an autodiff device, so
/// that its batch norms take the training path) from the given training batches. With the
/// layers' momentum of 0.1, a pass of 70 batches leaves the old statistics a weight below
/// 10⁻³. Each pass ends in a backward whose gradients are dropped: the running statistics
/// are computed inside the autodiff graph, and without a backward that graph would stay
/// alive through them, batch after batch (a whole epoch of activations: out of memory).
pub fn recalibrate_batch_norm(model: &Classifier, batches: impl Iterator<Item = Tensor<4>>) {
    for images in batches {
        drop(model.forward(images).sum().backward());
    }
}

/// The mean of the models saved in `paths` (all of architecture `spec`), on `device`.
///
/// # Errors
/// [`TrainError`] when a file cannot be loaded or the models do not match.
pub fn average_weights(
    spec: &ModelSpec,
    paths: &[PathBuf],
    device: &burn::tensor::Device,
) -> Result<Classifier, TrainError> {
    let Some(first) = paths.first() else {
        return Err(TrainError::Other(
            "weight averaging needs at least one epoch".to_string(),
        ));
    };
    let mut sums = TensorSums {
        sums: Vec::new(),
        next: 0,
        error: None,
    };
    for path in paths {
        sums.next = 0;
        load_weights(spec, path, device)?.visit(&mut sums);
        if let Some(error) = sums.error.take() {
            return Err(TrainError::Other(format!("{error}: {}", path.display())));
        }
    }
    let count = paths.len() as f64;
    let means = sums
        .sums
        .into_iter()
        .map(|sum| sum.into_iter().map(|v| (v / count) as f32).collect())
        .collect();
    let model = load_weights(spec, first, device)?;
    Ok(model.map(&mut WriteMeans { means, next: 0 }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Architecture, InputNorm, Task, save_weights};

    fn values(model: &Classifier) -> Vec<Vec<f64>> {
        let mut sums = TensorSums {
            sums: Vec::new(),
            next: 0,
            error: None,
        };
        model.visit(&mut sums);
        sums.sums
    }

    #[test]
    fn the_average_of_two_models_is_their_elementwise_mean() {
        let device = burn::tensor::Device::flex();
        let spec = ModelSpec {
            task: Task::ChestXray,
            arch: Architecture::CompactCnn,
            input_size: 16,
            input_mean: 0.5,
            input_std: 0.25,
            input_norm: InputNorm::Dataset,
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let paths: Vec<PathBuf> = (0..2)
            .map(|i| dir.path().join(format!("m{i}.safetensors")))
            .collect();
        let models: Vec<Classifier> = (0..2).map(|_| spec.init(&device)).collect();
        for (model, path) in models.iter().zip(&paths) {
            save_weights(model, path, false, &[]).expect("save");
        }
        let averaged = average_weights(&spec, &paths, &device).expect("average");
        let (a, b, mean) = (values(&models[0]), values(&models[1]), values(&averaged));
        assert_eq!(mean.len(), a.len());
        assert!(a.iter().zip(&b).any(|(x, y)| x != y), "two different inits");
        for ((x, y), m) in a.iter().zip(&b).zip(&mean) {
            for ((x, y), m) in x.iter().zip(y).zip(m) {
                assert!((m - (x + y) / 2.0).abs() < 1e-6, "{m} vs ({x} + {y}) / 2");
            }
        }
    }
}
