//! Shared helpers for the integration tests: a tiny seeded model and a test image.

#![allow(dead_code)]

use advlens::models::{Classifier, CompactCnnConfig, ModelPair};
use burn::tensor::{Device, Tensor, TensorData};

/// A small compact CNN (random weights, seeded) for 32×32 inputs.
pub fn tiny_models(classes: usize, seed: u64) -> ModelPair {
    let device = Device::flex();
    device.seed(seed);
    let model = CompactCnnConfig::new(classes)
        .with_widths([4, 6, 8, 8])
        .init(&device.clone().autodiff());
    ModelPair::new(Classifier::Compact(model))
}

/// A smooth 32×32 test image in [0.1, 0.9] with some pixels at the range limits.
pub fn test_image(size: usize) -> Tensor<4> {
    let mut values = Vec::with_capacity(size * size);
    for y in 0..size {
        for x in 0..size {
            let v = 0.5 + 0.4 * ((x as f32 * 0.4).sin() * (y as f32 * 0.3).cos());
            values.push(if x == 0 {
                0.0
            } else if x == size - 1 {
                1.0
            } else {
                v
            });
        }
    }
    Tensor::from_data(TensorData::new(values, [1, 1, size, size]), &Device::flex())
}

/// Host copy of a tensor.
pub fn host(tensor: &Tensor<4>) -> Vec<f32> {
    tensor.clone().into_data().try_to_vec().unwrap()
}

/// The bundled chest X-ray samples, as `sample_data/chest_xray_<name>.png` names.
pub const CHEST_SAMPLES: [&str; 6] = [
    "normal_1",
    "normal_2",
    "normal_3",
    "pneumonia_1",
    "pneumonia_2",
    "pneumonia_3",
];

/// The `advlens` binary of this build.
pub fn advlens() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_advlens"))
}

/// The heap each command-line run on a hostile file may use, KiB: a good X-ray's whole FGSM
/// run needs under 40 MiB.
pub const HEAP_LIMIT_KIB: u64 = 256 * 1024;

/// The binary run through `sh` under [`HEAP_LIMIT_KIB`] of heap (`RLIMIT_DATA`): an input that
/// makes it allocate more aborts the run (the caller's checks then fail).
pub fn advlens_with_heap_limit() -> std::process::Command {
    let mut command = std::process::Command::new("sh");
    command
        .arg("-c")
        .arg(format!("ulimit -d {HEAP_LIMIT_KIB} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_advlens"));
    command
}

/// Runs a command to completion and fails the test, with its error output, unless it
/// succeeded.
pub fn run_ok(command: &mut std::process::Command) -> std::process::Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The path of a bundled sample scan.
pub fn sample(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name)
        .display()
        .to_string()
}

/// The six bundled chest X-rays in a folder with one sub-folder per class.
pub fn chest_class_folder() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    for (class, names) in [
        ("NORMAL", ["normal_1", "normal_2", "normal_3"]),
        ("PNEUMONIA", ["pneumonia_1", "pneumonia_2", "pneumonia_3"]),
    ] {
        let folder = data.path().join(class);
        std::fs::create_dir_all(&folder).unwrap();
        for name in names {
            std::fs::copy(
                sample(&format!("chest_xray_{name}.png")),
                folder.join(format!("{name}.png")),
            )
            .unwrap();
        }
    }
    data
}

/// A batch of `count` different smooth 32×32 images in [0.15, 0.85].
pub fn image_batch(count: usize) -> Tensor<4> {
    const SIZE: usize = 32;
    let mut values = Vec::with_capacity(count * SIZE * SIZE);
    for image in 0..count {
        for y in 0..SIZE {
            for x in 0..SIZE {
                let phase = image as f32 * 0.9;
                values.push(
                    0.5 + 0.35 * ((x as f32 * 0.3 + phase).sin() * (y as f32 * 0.25 - phase).cos()),
                );
            }
        }
    }
    Tensor::from_data(
        TensorData::new(values, [count, 1, SIZE, SIZE]),
        &Device::flex(),
    )
}

/// The model's predicted class for each image.
pub fn predictions(models: &ModelPair, images: &Tensor<4>) -> Vec<usize> {
    advlens::attacks::probabilities(models, images)
        .unwrap()
        .iter()
        .map(|row| advlens::attacks::predicted_class(row))
        .collect()
}

/// Per image, the size of `adversarial − clean` in `norm` (images of `pixels` values each).
pub fn perturbation_sizes(
    adversarial: &[f32],
    clean: &[f32],
    pixels: usize,
    norm: advlens::attacks::Norm,
) -> Vec<f64> {
    adversarial
        .chunks(pixels)
        .zip(clean.chunks(pixels))
        .map(|(a, c)| {
            let delta = a.iter().zip(c).map(|(a, c)| f64::from(a - c));
            match norm {
                advlens::attacks::Norm::Linf => delta.fold(0.0f64, |m, v| m.max(v.abs())),
                advlens::attacks::Norm::L2 => delta.map(|v| v * v).sum::<f64>().sqrt(),
            }
        })
        .collect()
}

/// A bundled sample scan (`sample_data/NAME`), loaded as the window loads it.
pub fn sample_scan(name: &str) -> advlens::imaging::Scan {
    advlens::imaging::load_scan(
        std::path::Path::new(&sample(name)),
        &advlens::imaging::LoadOptions::default(),
    )
    .unwrap()
}

/// A bundled chest X-ray (`sample_data/NAME`) as `model`'s input on the CPU.
pub fn chest_input(model: &advlens::models::LoadedModel, name: &str) -> Tensor<4> {
    let scan = sample_scan(name);
    advlens::imaging::model_input_from_scan(
        &scan,
        model.card.spec.input_size,
        &advlens::device::ComputeDevice::cpu().device,
    )
}
