//! TRADES (Zhang et al. 2019, "Theoretically Principled Trade-off between Robustness and
//! Accuracy"): the training loss is the clean cross-entropy plus β times the KL divergence
//! between the model's clean and adversarial predictions, KL(p(x) ‖ p(x')). The adversarial
//! point x' maximises that KL inside the L∞ ball: it starts at x plus N(0, 0.001²) noise and
//! takes signed-gradient steps, projected onto the ball and [0, 1] after each, as in the
//! authors' reference code. β trades clean accuracy (small β) for robustness (large β; the
//! paper's CIFAR-10 model uses 6).

use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::activation::log_softmax;

use crate::attacks::random::normal;
use crate::attacks::{AttackError, AttackedModel, Norm, differentiate, project};
use crate::models::Classifier;

/// Standard deviation of the random start around the clean image (the reference code's 0.001).
const START_SIGMA: f32 = 0.001;

/// Row-wise KL(p ‖ q) of two batches of logits, `[batch]`: `Σ_c p_c (log p_c − log q_c)`.
///
/// # Shapes
/// - clean, adversarial: `[batch, classes]`; output: `[batch]`
pub(crate) fn kl_rows(clean: Tensor<2>, adversarial: Tensor<2>) -> Tensor<1> {
    let [batch, _] = clean.dims();
    let log_p = log_softmax(clean, 1);
    let p = log_p.clone().exp();
    p.mul(log_p.sub(log_softmax(adversarial, 1)))
        .sum_dim(1)
        .reshape([batch])
}

/// The point of the L∞ ball of radius `epsilon` around `images` (and in [0, 1]) found by
/// `steps` signed-gradient ascent steps of size `step_size` on KL(p(x) ‖ p(x')) against
/// `model` (the weights being trained, on the autodiff device). As in the authors' code the
/// ascent runs the network in evaluation mode (a frozen copy: batch norms use their running
/// statistics and do not update them). The result is detached and lives on the autodiff
/// device, ready for the training step.
///
/// # Errors
/// [`AttackError`] if the gradient cannot be taken.
pub(crate) fn trades_adversary(
    model: &Classifier,
    images: &Tensor<4>,
    epsilon: f64,
    steps: usize,
    step_size: f64,
    seed: u64,
) -> Result<Tensor<4>, AttackError> {
    let clean = images.clone().without_autodiff();
    if epsilon <= 0.0 {
        return Ok(clean.autodiff());
    }
    let frozen = model.clone().freeze();
    let clean_logits = frozen.forward(clean.clone().autodiff()).detach();
    let start = normal(clean.dims(), seed, 0, &clean.device()).mul_scalar(START_SIGMA);
    let mut adversarial = clean.clone().add(start).clamp(0.0, 1.0);
    let target = AttackedModel {
        model: &frozen,
        path: None,
        region: None,
    };
    for _ in 0..steps {
        let gradient = differentiate(&target, &adversarial, &|rows| {
            kl_rows(clean_logits.clone(), rows.logits.clone())
        })?
        .gradient;
        adversarial = project(
            adversarial.add(gradient.sign().mul_scalar(step_size)),
            &clean,
            epsilon,
            Norm::Linf,
        );
    }
    Ok(adversarial.autodiff())
}

/// The TRADES loss of a batch: class-weighted cross-entropy on the clean images (with the
/// configured label smoothing) plus `beta` times the batch-mean KL(p(x) ‖ p(x')), both terms
/// differentiated with respect to the weights.
pub(crate) fn trades_loss(
    clean_loss: Tensor<1>,
    clean_logits: Tensor<2>,
    adversarial_logits: Tensor<2>,
    beta: f64,
) -> Tensor<1> {
    let divergence = kl_rows(clean_logits, adversarial_logits).mean();
    clean_loss.add(divergence.mul_scalar(beta))
}

#[cfg(test)]
mod tests {
    use super::kl_rows;
    use burn::module::Module;
    use burn::tensor::{Device, Tensor, TensorData};

    fn logits(values: Vec<f32>, rows: usize) -> Tensor<2> {
        let classes = values.len() / rows;
        Tensor::from_data(TensorData::new(values, [rows, classes]), &Device::flex())
    }

    #[test]
    fn kl_is_zero_on_equal_rows_and_matches_a_known_answer() {
        let same = kl_rows(
            logits(vec![1.0, 2.0, 3.0, -1.0], 2),
            logits(vec![1.0, 2.0, 3.0, -1.0], 2),
        );
        for value in same.into_data().try_to_vec::<f32>().unwrap() {
            assert!(value.abs() < 1e-6, "{value}");
        }
        // p = (½, ½), q = softmax(ln 3, 0) = (¾, ¼): KL = ½ ln(⅔) + ½ ln 2 = ½ ln(4/3).
        let known = kl_rows(logits(vec![0.0, 0.0], 1), logits(vec![3.0f32.ln(), 0.0], 1));
        let value = known.into_data().try_to_vec::<f32>().unwrap()[0];
        assert!((value - 0.5 * (4.0f32 / 3.0).ln()).abs() < 1e-6, "{value}");
    }

    #[test]
    fn the_adversary_stays_in_the_ball_and_raises_the_divergence() {
        use crate::models::{Classifier, CompactCnnConfig};
        let device = Device::flex();
        device.seed(3);
        let model = Classifier::Compact(
            CompactCnnConfig::new(3)
                .with_widths([4, 6, 8, 8])
                .init(&device.clone().autodiff()),
        );
        let values: Vec<f32> = (0..2 * 32 * 32)
            .map(|i| 0.5 + 0.45 * ((i as f32) * 0.37).sin())
            .collect();
        let images = Tensor::<4>::from_data(TensorData::new(values, [2, 1, 32, 32]), &device);
        let epsilon = 8.0 / 255.0;
        let eval_logits = || {
            model
                .clone()
                .freeze()
                .forward(images.clone().autodiff())
                .into_data()
                .try_to_vec::<f32>()
                .unwrap()
        };
        let before = eval_logits();
        let divergence = |steps: usize| {
            let adversarial = super::trades_adversary(
                &model,
                &images.clone().autodiff(),
                epsilon,
                steps,
                2.0 / 255.0,
                5,
            )
            .unwrap();
            let eval = model.clone().freeze();
            let clean_logits = eval.forward(images.clone().autodiff());
            let kl = kl_rows(clean_logits, eval.forward(adversarial.clone()))
                .sum()
                .into_data()
                .try_to_vec::<f32>()
                .unwrap()[0];
            (adversarial.without_autodiff(), kl)
        };
        let (start, start_kl) = divergence(0);
        let (adversarial, kl) = divergence(10);
        assert_eq!(
            eval_logits(),
            before,
            "the ascent leaves the batch-norm statistics alone"
        );
        assert!(kl > 10.0 * start_kl.max(1e-9), "KL {start_kl} -> {kl}");
        let clean = images.into_data().try_to_vec::<f32>().unwrap();
        for point in [start, adversarial] {
            let point = point.into_data().try_to_vec::<f32>().unwrap();
            for (a, c) in point.iter().zip(&clean) {
                assert!((0.0..=1.0).contains(a), "{a}");
                assert!((a - c).abs() <= epsilon as f32 + 1e-6, "{a} {c}");
            }
        }
    }

    #[test]
    fn the_loss_adds_beta_times_the_mean_divergence_to_the_clean_loss() {
        let device = Device::flex();
        let clean_loss = Tensor::<1>::from_data(TensorData::new(vec![0.7f32], [1]), &device);
        let value = |adversarial: Vec<f32>, beta: f64| {
            super::trades_loss(
                clean_loss.clone(),
                logits(vec![0.0, 0.0, 0.0, 0.0], 2),
                logits(adversarial, 2),
                beta,
            )
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()[0]
        };
        // No divergence, or β = 0: the clean loss alone.
        assert!((value(vec![0.0; 4], 6.0) - 0.7).abs() < 1e-6);
        assert!((value(vec![3.0f32.ln(), 0.0, 0.0, 0.0], 0.0) - 0.7).abs() < 1e-6);
        // One row at KL ½ ln(4/3), the other at 0: the batch mean is ¼ ln(4/3).
        let expected = 0.7 + 2.0 * 0.25 * (4.0f32 / 3.0).ln();
        let got = value(vec![3.0f32.ln(), 0.0, 0.0, 0.0], 2.0);
        assert!((got - expected).abs() < 1e-6, "{got} {expected}");
    }

    #[test]
    fn kl_is_not_symmetric() {
        let forward = kl_rows(logits(vec![2.0, 0.0], 1), logits(vec![0.0, 0.0], 1));
        let backward = kl_rows(logits(vec![0.0, 0.0], 1), logits(vec![2.0, 0.0], 1));
        let forward = forward.into_data().try_to_vec::<f32>().unwrap()[0];
        let backward = backward.into_data().try_to_vec::<f32>().unwrap()[0];
        assert!((forward - backward).abs() > 1e-3, "{forward} {backward}");
    }
}
