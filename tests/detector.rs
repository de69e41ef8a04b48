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
