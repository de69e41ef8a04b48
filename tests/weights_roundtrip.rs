//! Weights in and out: `PyTorch` names and layouts, exact round trip in f32, close in f16, and a
//! clear error for weights of another architecture.

mod common;

use advlens::models::{Architecture, ModelError, ModelSpec, Task, load_weights, save_weights};
use burn::module::Module;
use burn::tensor::Device;
use common::{host, test_image};
use safetensors::SafeTensors;

fn spec(arch: Architecture) -> ModelSpec {
    ModelSpec {
        task: Task::BrainMri,
        arch,
        input_size: 128,
        input_mean: 0.2,
        input_std: 0.2,
        input_norm: advlens::models::InputNorm::Dataset,
    }
}

#[test]
fn compact_cnn_round_trips_with_pytorch_names() {
    let device = Device::flex().autodiff();
    device.seed(5);
    let model = spec(Architecture::CompactCnn).init(&device);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cnn.safetensors");
    save_weights(&model, &path, false, &[("note", "test".to_string())]).unwrap();

    let bytes = std::fs::read(&path).unwrap();
    let tensors = SafeTensors::deserialize(&bytes).unwrap();
    let names: Vec<String> = tensors
        .names()
        .into_iter()
        .map(ToString::to_string)
        .collect();
    for expected in [
        "features.0.conv.weight",
        "features.0.bn.weight",
        "features.0.bn.bias",
        "features.0.bn.running_mean",
        "features.3.bn.running_var",
        "classifier.weight",
        "classifier.bias",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "missing {expected} in {names:?}"
        );
    }
    assert_eq!(
        tensors.tensor("classifier.weight").unwrap().shape(),
        &[4, 64],
        "PyTorch Linear layout is [out, in]"
    );
    assert_eq!(
        tensors.tensor("features.0.conv.weight").unwrap().shape(),
        &[16, 1, 3, 3]
    );

    let loaded = load_weights(&spec(Architecture::CompactCnn), &path, &device).unwrap();
    let input = test_image(128);
    let original = model
        .valid()
        .forward(input.clone())
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let reloaded = loaded
        .valid()
        .forward(input)
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    assert_eq!(original, reloaded);
}

#[test]
fn resnet_uses_torchvision_names_and_half_precision_stays_close() {
    let device = Device::flex().autodiff();
    device.seed(6);
    let model = spec(Architecture::Resnet18).init(&device);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resnet.safetensors");
    save_weights(&model, &path, true, &[]).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let tensors = SafeTensors::deserialize(&bytes).unwrap();
    for expected in [
        "conv1.weight",
        "bn1.running_var",
        "layer1.0.conv1.weight",
        "layer2.0.downsample.0.weight",
        "layer2.0.downsample.1.running_mean",
        "layer4.1.bn2.weight",
        "fc.weight",
    ] {
        assert!(tensors.tensor(expected).is_ok(), "missing {expected}");
    }
    assert_eq!(
        tensors.tensor("conv1.weight").unwrap().dtype(),
        safetensors::Dtype::F16
    );
    assert_eq!(
        tensors.tensor("bn1.running_var").unwrap().dtype(),
        safetensors::Dtype::F32,
        "batch-norm statistics stay f32"
    );
    let loaded = load_weights(&spec(Architecture::Resnet18), &path, &device).unwrap();
    let input = test_image(128);
    let original = host_logits(&model, &input);
    let reloaded = host_logits(&loaded, &input);
    for (a, b) in original.iter().zip(&reloaded) {
        assert!(
            (a - b).abs() < 2e-2 * a.abs().max(1.0),
            "{original:?} vs {reloaded:?}"
        );
    }
}

fn host_logits(model: &advlens::models::Classifier, input: &burn::tensor::Tensor<4>) -> Vec<f32> {
    let logits = model.valid().forward(input.clone());
    let [n, c] = logits.dims();
    host(&logits.reshape([n, c, 1, 1]))
}

#[test]
fn weights_of_another_architecture_are_refused_with_names() {
    let device = Device::flex().autodiff();
    let model = spec(Architecture::CompactCnn).init(&device);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cnn.safetensors");
    save_weights(&model, &path, false, &[]).unwrap();
    let err = load_weights(&spec(Architecture::Resnet18), &path, &device).unwrap_err();
    assert!(matches!(err, ModelError::WeightsMismatch { .. }), "{err}");
    let other_task = ModelSpec {
        task: Task::ChestXray,
        ..spec(Architecture::CompactCnn)
    };
    assert!(
        load_weights(&other_task, &path, &device).is_err(),
        "4-class weights must not load into a 2-class model"
    );
    let missing = load_weights(
        &spec(Architecture::CompactCnn),
        &dir.path().join("nope.safetensors"),
        &device,
    )
    .unwrap_err();
    assert!(
        missing.to_string().contains("nope.safetensors"),
        "{missing}"
    );
}
