//! Certified accuracy against the radius: the table agrees with the certificates it counts, never
//! rises with the radius, and refuses a defence that certifies nothing.

mod common;

use std::path::Path;

use advlens::datasets::LabelledImages;
use advlens::defenses::{DefenseConfig, DefenseKind, defended_predict};
use advlens::device::ComputeDevice;
use advlens::eval::certified_accuracy;
use advlens::imaging::{LoadOptions, load_scan, model_input_from_scan};
use advlens::models::load_shipped;
use burn::tensor::Tensor;

#[test]
fn certified_accuracy_counts_correct_certificates_at_each_radius() {
    let device = ComputeDevice::cpu();
    let model = load_shipped("chest-xray-cnn", &device.device).unwrap();
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for name in common::CHEST_SAMPLES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("sample_data/chest_xray_{name}.png"));
        let scan = load_scan(&path, &LoadOptions::default()).unwrap();
        let input = model_input_from_scan(&scan, 128, &device.device);
        pixels.extend(input.into_data().try_to_vec::<f32>().unwrap());
        labels.push(usize::from(name.starts_with("pneumonia")));
    }
    let images = LabelledImages::from_unit(pixels, labels.clone(), [128, 128], "samples");
    let mut smoothing = DefenseConfig::new(DefenseKind::Smoothing);
    smoothing.smoothing.samples = 40;
    smoothing.smoothing.selection = 8;
    let radii = [0.0, 0.1, 0.25, 0.5];
    let table = certified_accuracy(
        &model,
        &images,
        &smoothing,
        &radii,
        4,
        &device,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(table.images, 6);
    assert!(table.accuracy.windows(2).all(|w| w[0] >= w[1]), "{table:?}");
    // Recount independently from the certificates of the same batch (all six images: the
    // noise draws depend on the batch).
    let (batch, _) = images.batch_range(0..6, &device.device);
    let batch: Tensor<4> = batch;
    let certificates = defended_predict(&model.models.inference, &batch, &smoothing)
        .unwrap()
        .certificates;
    for (radius, accuracy) in radii.iter().zip(&table.accuracy) {
        let expected = certificates
            .iter()
            .zip(&labels)
            .filter(|(c, label)| c.is_some_and(|c| c.class == Some(**label) && c.radius >= *radius))
            .count() as f32
            / 6.0;
        assert_eq!(*accuracy, expected, "radius {radius}");
    }
    let jpeg = DefenseConfig::new(DefenseKind::Jpeg);
    assert!(
        certified_accuracy(&model, &images, &jpeg, &radii, 4, &device, &mut |_, _| {}).is_err()
    );
}
