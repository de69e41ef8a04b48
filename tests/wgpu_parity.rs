//! The same FGSM on the wgpu device (a real GPU or software Vulkan) and on the CPU device.
//! Skipped, with the reason printed, where no Vulkan adapter exists; set `ADVLENS_SKIP_WGPU=1`
//! to skip it on purpose.

mod common;

use advlens::attacks::{AttackConfig, AttackControl, AttackKind, probabilities, run_attack};
use advlens::device::{DeviceError, DevicePreference, select_device};
use advlens::imaging::{image_from_tensor, tensor_from_image};
use advlens::models::{Architecture, ModelPair, ModelSpec, Task, load_weights, save_weights};
use burn::tensor::Device;
use common::test_image;

#[test]
fn fgsm_agrees_between_wgpu_and_cpu() {
    if std::env::var_os("ADVLENS_SKIP_WGPU").is_some() {
        eprintln!("skipped: ADVLENS_SKIP_WGPU is set");
        return;
    }
    let gpu = match select_device(DevicePreference::Gpu) {
        Ok(device) => device,
        Err(DeviceError::NoAdapter) => {
            eprintln!(
                "skipped: no Vulkan adapter on this machine (install mesa-vulkan-drivers for software Vulkan)"
            );
            return;
        }
        Err(err) => panic!("wgpu adapter present but failed to start: {err}"),
    };
    eprintln!("wgpu device: {}", gpu.description);
    let spec = ModelSpec {
        task: Task::ChestXray,
        arch: Architecture::CompactCnn,
        input_size: 64,
        input_mean: 0.5,
        input_std: 0.25,
        input_norm: advlens::models::InputNorm::Dataset,
    };
    let cpu = Device::flex();
    cpu.seed(9);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.safetensors");
    save_weights(&spec.init(&cpu.clone().autodiff()), &path, false, &[]).unwrap();
    let on_cpu = ModelPair::new(load_weights(&spec, &path, &cpu.clone().autodiff()).unwrap());
    let on_gpu =
        ModelPair::new(load_weights(&spec, &path, &gpu.device.clone().autodiff()).unwrap());

    let image = image_from_tensor(test_image(64)).unwrap();
    let config = AttackConfig::new(AttackKind::Fgsm, 4.0 / 255.0);
    let cpu_input = tensor_from_image(&image, &cpu);
    let gpu_input = tensor_from_image(&image, &gpu.device);
    let fgsm = |models: &ModelPair, input: &burn::tensor::Tensor<4>| {
        run_attack(
            models,
            input,
            &[0],
            false,
            &config,
            &AttackControl::default(),
        )
        .unwrap()
        .adversarial
    };
    let cpu_adv = fgsm(&on_cpu, &cpu_input);
    let gpu_adv = fgsm(&on_gpu, &gpu_input);
    let cpu_pixels = image_from_tensor(cpu_adv.clone()).unwrap().pixels;
    let gpu_pixels = image_from_tensor(gpu_adv.clone()).unwrap().pixels;
    // Gradient components within rounding of zero may take a different sign: allow a few.
    let differing = cpu_pixels
        .iter()
        .zip(&gpu_pixels)
        .filter(|(a, b)| (*a - *b).abs() > 1e-5)
        .count();
    assert!(
        differing * 100 <= cpu_pixels.len(),
        "{differing} of {} pixels differ",
        cpu_pixels.len()
    );
    let cpu_probs = probabilities(&on_cpu, &cpu_adv).unwrap().remove(0);
    let gpu_probs = probabilities(&on_gpu, &gpu_adv).unwrap().remove(0);
    for (a, b) in cpu_probs.iter().zip(&gpu_probs) {
        assert!((a - b).abs() < 1e-2, "{cpu_probs:?} vs {gpu_probs:?}");
    }
}
