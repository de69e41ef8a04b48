//! Autodiff against finite differences, FGSM's reused gradient against recomputation, and
//! Grad-CAM against the closed form for a global-average-pooling head.

mod common;

use advlens::attacks::{
    AttackConfig, AttackControl, AttackKind, FgsmGradient, loss_gradient, run_attack,
};
use advlens::explain::grad_cam;
use advlens::models::Classifier;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Tensor, TensorData};
use common::{host, test_image, tiny_models};

fn loss_at(models: &advlens::models::ModelPair, image: &[f32], label: usize, size: usize) -> f64 {
    let input = Tensor::<4>::from_data(
        TensorData::new(image.to_vec(), [1, 1, size, size]),
        &burn::tensor::Device::flex(),
    );
    let log_probs: Vec<f32> = log_softmax(models.inference.forward(input), 1)
        .into_data()
        .try_to_vec()
        .unwrap();
    -f64::from(log_probs[label])
}

#[test]
fn input_gradient_matches_central_differences() {
    let size = 16;
    let models = tiny_models(3, 21);
    let clean = test_image(size);
    let gradient = host(&loss_gradient(&models.differentiable, &clean, &[1], false).unwrap());
    let image = host(&clean);
    // The pixels with the largest gradients, where f32 differences are most reliable.
    let mut order: Vec<usize> = (0..image.len()).collect();
    order.sort_by(|&a, &b| gradient[b].abs().total_cmp(&gradient[a].abs()));
    // Small enough that no ReLU or max-pool switches between the two evaluations (at 1e-2
    // some do, and the difference quotient is then off by tens of per cent).
    let step = 1e-3f32;
    let mut checked = 0;
    for &pixel in order.iter().take(8) {
        let mut plus = image.clone();
        let mut minus = image.clone();
        plus[pixel] += step;
        minus[pixel] -= step;
        let numeric = (loss_at(&models, &plus, 1, size) - loss_at(&models, &minus, 1, size))
            / (2.0 * f64::from(step));
        let analytic = f64::from(gradient[pixel]);
        let tolerance = 0.05 * analytic.abs().max(1e-3) + 1e-4;
        assert!(
            (numeric - analytic).abs() <= tolerance,
            "pixel {pixel}: numeric {numeric} vs autodiff {analytic}"
        );
        checked += 1;
    }
    assert_eq!(checked, 8);
}

#[test]
fn targeted_gradient_is_the_negated_target_loss_gradient() {
    let models = tiny_models(3, 22);
    let clean = test_image(16);
    let untargeted = host(&loss_gradient(&models.differentiable, &clean, &[2], false).unwrap());
    let targeted = host(&loss_gradient(&models.differentiable, &clean, &[2], true).unwrap());
    for (u, t) in untargeted.iter().zip(&targeted) {
        assert!((u + t).abs() < 1e-6);
    }
}

#[test]
fn fgsm_with_a_reused_gradient_equals_recomputing_it() {
    let models = tiny_models(2, 23);
    let clean = test_image(32);
    let session =
        FgsmGradient::compute(&models.differentiable, clean.clone(), &[0], false).unwrap();
    for epsilon_255 in [0.0, 1.0, 2.0, 4.0, 8.0] {
        let epsilon = epsilon_255 / 255.0;
        let fresh = run_attack(
            &models,
            &clean,
            &[0],
            false,
            &AttackConfig::new(AttackKind::Fgsm, epsilon),
            &AttackControl::default(),
        )
        .unwrap();
        assert_eq!(
            host(&session.apply(epsilon)),
            host(&fresh.adversarial),
            "ε = {epsilon_255}/255"
        );
    }
}

#[test]
fn grad_cam_equals_class_activation_mapping_for_a_pooled_linear_head() {
    let size = 32;
    let models = tiny_models(3, 24);
    let clean = test_image(size);
    let class = 2;
    let cam = host(&grad_cam(&models, &clean, class).unwrap());
    assert_eq!(cam.len(), size * size);
    assert!(cam.iter().all(|v| (0.0..=1.0 + 1e-6).contains(v)));
    // Closed form: with global average pooling and a linear layer, the gradient of the class
    // score w.r.t. activation k is W[k, class] / (h·w) everywhere, so Grad-CAM is
    // ReLU(Σ_k W[k, class]·A_k) up to a positive scale.
    let Classifier::Compact(network) = &models.inference else {
        panic!("compact model expected")
    };
    let activations = network.features(clean.clone()); // [1, 8, 4, 4]
    let [_, channels, fh, fw] = activations.dims();
    let weights: Vec<f32> = network
        .classifier
        .weight
        .val()
        .into_data()
        .try_to_vec()
        .unwrap(); // [channels, classes]
    let classes = weights.len() / channels;
    let a: Vec<f32> = activations.into_data().try_to_vec().unwrap();
    let mut expected = vec![0.0f32; fh * fw];
    for k in 0..channels {
        for p in 0..fh * fw {
            expected[p] += weights[k * classes + class] * a[k * fh * fw + p];
        }
    }
    let expected: Vec<f32> = expected.into_iter().map(|v| v.max(0.0)).collect();
    let peak = expected.iter().copied().fold(0.0f32, f32::max);
    // Sample near the centres of the coarse cells: bilinear upsampling (half-pixel mapping)
    // lands 1/16 of a cell off-centre there, so each sample is within a few per cent of the
    // closed form.
    let cell = size / fh;
    assert!(
        peak > 0.0,
        "the test image should activate the class somewhere"
    );
    for cy in 0..fh {
        for cx in 0..fw {
            let sampled = cam[(cy * cell + cell / 2) * size + cx * cell + cell / 2];
            let closed_form = expected[cy * fw + cx] / peak;
            assert!(
                (sampled - closed_form).abs() < 0.15,
                "cell ({cy}, {cx}): Grad-CAM {sampled} vs closed form {closed_form}"
            );
        }
    }
}
