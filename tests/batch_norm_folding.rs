//! Batch-norm folding (`ModelPair::new` folds every evaluation-mode batch norm into the
//! convolution before it): on every shipped classifier the folded network gives the same
//! probabilities, logits and input gradients as the network as loaded, up to float rounding,
//! and the fold really happened (the folded convolutions carry a bias, the loaded ones none).
//! The folded copies also run their weight-heavy layers as explicit products
//! (`src/models/lowered_conv.rs`) while the loaded ones use Burn's convolution, so this compares
//! the two routes on whole shipped networks as well.

mod common;

use std::path::Path;

use advlens::attacks::loss_gradient;
use advlens::device::ComputeDevice;
use advlens::imaging::{LoadOptions, load_scan, model_input_from_scan};
use advlens::models::{Classifier, ModelPair, list_shipped, load_shipped};
use burn::tensor::Tensor;
use burn::tensor::activation::softmax;

/// Whether the first convolution of `model` has a bias (only a folded one does).
fn first_conv_has_bias(model: &Classifier) -> bool {
    match model {
        Classifier::Compact(cnn) => cnn.features[0].conv.bias.is_some(),
        Classifier::ResNet(resnet) => resnet.conv1.bias.is_some(),
    }
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec().unwrap()
}

fn largest_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

fn cosine_similarity(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

#[test]
fn folded_models_match_the_loaded_ones_in_outputs_and_input_gradients() {
    let device = ComputeDevice::cpu();
    let scan = load_scan(
        Path::new(&common::sample("chest_xray_pneumonia_1.png")),
        &LoadOptions::default(),
    )
    .unwrap();
    let shipped = list_shipped().unwrap();
    assert!(shipped.len() >= 4, "every shipped classifier is checked");
    for model in shipped {
        let loaded = load_shipped(&model.name, &device.device).unwrap();
        let folded = &loaded.models;
        let unfolded = ModelPair::unfolded(folded.as_given.clone());
        assert!(
            first_conv_has_bias(&folded.inference) && first_conv_has_bias(&folded.differentiable),
            "{}: the shipped pair is folded",
            model.name
        );
        assert!(
            !first_conv_has_bias(&unfolded.inference),
            "{}: the loaded network has no conv bias",
            model.name
        );
        let single = model_input_from_scan(&scan, loaded.card.spec.input_size, &device.device);
        let input = Tensor::cat(
            vec![
                single.clone(),
                single.clone().mul_scalar(0.5).add_scalar(0.25),
            ],
            0,
        );
        let logits_folded = folded.inference.forward(input.clone());
        let logits_unfolded = unfolded.inference.forward(input.clone());
        let logit_scale = values(logits_unfolded.clone().abs().max())
            .first()
            .copied()
            .unwrap();
        let logit_gap = largest_difference(
            &values(logits_folded.clone()),
            &values(logits_unfolded.clone()),
        );
        assert!(
            logit_gap <= 1e-5 * logit_scale.max(1.0),
            "{}: logits differ by {logit_gap} (scale {logit_scale})",
            model.name
        );
        let probability_gap = largest_difference(
            &values(softmax(logits_folded, 1)),
            &values(softmax(logits_unfolded, 1)),
        );
        assert!(
            probability_gap <= 1e-5,
            "{}: probabilities differ by {probability_gap}",
            model.name
        );
        let labels = [0, 1];
        let gradient_folded =
            values(loss_gradient(&folded.differentiable, &input, &labels, false).unwrap());
        let gradient_unfolded =
            values(loss_gradient(&unfolded.differentiable, &input, &labels, false).unwrap());
        let gradient_scale = gradient_unfolded
            .iter()
            .fold(0.0_f32, |m, g| m.max(g.abs()));
        assert!(gradient_scale > 0.0, "{}: no input gradient", model.name);
        let tolerance = 1e-5 * gradient_scale;
        let gaps: Vec<f32> = gradient_folded
            .iter()
            .zip(&gradient_unfolded)
            .map(|(a, b)| (a - b).abs())
            .collect();
        let (within, outside): (Vec<f32>, Vec<f32>) =
            gaps.into_iter().partition(|gap| *gap <= tolerance);
        let within_gap = within.iter().copied().fold(0.0, f32::max);
        // A max-pool window whose two largest inputs are equal (a flat patch of the scan) may
        // pick the other one after the fold's rounding, routing the gradient through the
        // neighbouring position: that moves one receptive field's pixels (a 7×9 patch per
        // image on the brain ResNet-18 of 2026-12-05), a wrong fold moves all of them.
        assert!(
            outside.len() * 100 <= gradient_folded.len(),
            "{}: {} of {} input-gradient values differ by more than {tolerance}",
            model.name,
            outside.len(),
            gradient_folded.len()
        );
        let similarity = cosine_similarity(&gradient_folded, &gradient_unfolded);
        assert!(
            similarity >= 0.9999,
            "{}: input gradients point apart (cosine {similarity})",
            model.name
        );
        eprintln!(
            "{}: logits within {logit_gap:.1e}, probabilities {probability_gap:.1e}, input gradient {:.1e} of its largest value on {} of {} pixels (cosine {similarity:.7})",
            model.name,
            within_gap / gradient_scale,
            within.len(),
            gradient_folded.len()
        );
    }
}
