//! Feature-squeezing detection on a shipped model: a threshold calibrated on one half of the
//! clean validation split flags about 5 % of the other, held-out half, and flags PGD images
//! far more often than clean ones. Needs `../shared/datasets` (skipped with a message
//! otherwise; the threshold arithmetic itself is unit-tested in the library).

use advlens::attacks::{AttackConfig, AttackKind};
use advlens::datasets::{LabelledImages, load_dataset, shared_datasets_dir};
use advlens::defenses::{calibrate_threshold, false_positive_rate};
use advlens::device::ComputeDevice;
use advlens::eval::{images_from_split, squeeze_scores_of};
use advlens::models::load_shipped;

fn halves(images: &LabelledImages) -> (LabelledImages, LabelledImages) {
    let middle = images.len() / 2;
    (images.slice(0..middle), images.slice(middle..images.len()))
}

#[test]
fn calibrated_threshold_holds_its_false_positive_rate_on_held_out_clean_images() {
    let Some(root) = shared_datasets_dir() else {
        eprintln!(
            "skipped: ../shared/datasets is not here (set ADVLENS_DATASETS to run this check)"
        );
        return;
    };
    let device = ComputeDevice::cpu();
    let model = load_shipped("chest-xray-cnn", &device.device).unwrap();
    let dataset = load_dataset(&root, model.card.spec.task.dataset_file()).unwrap();
    let val = images_from_split(&dataset.val, 128, None).unwrap();
    let (calibration, held_out) = halves(&val);
    let threshold = calibrate_threshold(
        &squeeze_scores_of(&model, &calibration, None, 128, &device).unwrap(),
        0.05,
    );
    let held_out_rate = false_positive_rate(
        &squeeze_scores_of(&model, &held_out, None, 128, &device).unwrap(),
        threshold,
    );
    eprintln!(
        "threshold {threshold:.4}: {:.1}% of {} held-out clean images flagged",
        100.0 * held_out_rate,
        held_out.len()
    );
    assert!(
        (held_out_rate - 0.05).abs() <= 0.04,
        "held-out false-positive rate {held_out_rate}"
    );
    let attacked = images_from_split(&dataset.test, 128, Some(48)).unwrap();
    let attack = AttackConfig::new(AttackKind::Pgd, 4.0 / 255.0).with_steps(10);
    let detected = false_positive_rate(
        &squeeze_scores_of(&model, &attacked, Some(&attack), 48, &device).unwrap(),
        threshold,
    );
    eprintln!("PGD at 4/255: {:.1}% flagged", 100.0 * detected);
    assert!(detected > held_out_rate, "{detected} vs {held_out_rate}");
}

#[path = "common/mod.rs"]
mod common;

#[test]
fn scores_given_the_known_probabilities_equal_scores_computed_from_scratch() {
    use advlens::defenses::{squeeze_scores, squeeze_scores_given};
    use burn::tensor::activation::softmax;
    let models = common::tiny_models(3, 5);
    let image = common::test_image(32);
    let batch = burn::tensor::Tensor::cat(vec![image.clone(), image.clone().mul_scalar(0.7)], 0);
    let plain: Vec<f32> = softmax(models.inference.forward(batch.clone()), 1)
        .into_data()
        .try_to_vec()
        .unwrap();
    let from_scratch = squeeze_scores(&models.inference, &batch).unwrap();
    let given = squeeze_scores_given(&models.inference, &batch, &plain).unwrap();
    assert_eq!(from_scratch, given);
    assert!(given.iter().all(|s| s.is_finite() && *s >= 0.0));
    // Probabilities that are not one row per image of the model's classes are refused.
    assert!(squeeze_scores_given(&models.inference, &batch, &plain[..5]).is_err());
    assert!(squeeze_scores_given(&models.inference, &batch, &plain[..4]).is_err());
}
