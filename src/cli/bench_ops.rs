//! `advlens bench --operations`: the like-for-like table that `bench/pytorch_reference.py`
//! times in `PyTorch`, operation for operation, at batch sizes 1, 16 and 64 (or `--batch-sizes`):
//!
//! - *forward*: one inference pass, probabilities read back;
//! - *input gradient*: one forward and one backward pass to ∇ₓ of the cross-entropy, nothing else;
//! - *FGSM*: as torchattacks defines it, one forward, one backward and one signed step with
//!   the clamp to [0, 1] (`advlens bench`'s main table adds the judging forward);
//! - *PGD step*: one gradient, the signed step, the projection onto the ε-ball and the clamp;
//! - *PGD-20*: a uniform random start and 20 such steps, without the judging forward that
//!   `advlens attack` adds at the end;
//! - *Grad-CAM*: one map per image for class 0.
//!
//! Each figure is the median of `--runs` runs after one warm-up, in milliseconds, with the
//! result read back to the host (so a GPU figure includes its synchronisation).

use std::path::Path;

use burn::tensor::{Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use advlens::attacks::{Norm, loss_gradient, project};
use advlens::device::ComputeDevice;
use advlens::explain::grad_cam;
use advlens::imaging::{LoadOptions, load_scan, model_input_from_scan};
use advlens::models::{LoadedModel, load_shipped};

use super::bench_cmd::{BenchArgs, median_ms, selected_models};

/// ε of the attacks (torchattacks' common 8/255) and PGD's step (2/255).
const EPSILON: f64 = 8.0 / 255.0;
const PGD_STEP: f64 = 2.0 / 255.0;
const PGD_STEPS: usize = 20;

/// One model at one batch size: milliseconds per operation (for the whole batch).
#[derive(Debug, Serialize)]
struct OperationTimes {
    model: String,
    architecture: String,
    batch: usize,
    forward: f64,
    input_gradient: f64,
    fgsm: f64,
    pgd_step: f64,
    pgd20: f64,
    grad_cam: f64,
}

/// The whole report, as `--json` writes it (the layout `bench/compare.py` reads).
#[derive(Debug, Serialize)]
struct OperationReport {
    tool: &'static str,
    device: String,
    cpu: String,
    cpu_features: Vec<&'static str>,
    threads: usize,
    runs: usize,
    rows: Vec<OperationTimes>,
    peak_rss_mib: Option<f64>,
}

/// Prints the table (and writes it as JSON to `json` when given).
pub fn bench_operations(
    args: &BenchArgs,
    device: &ComputeDevice,
    json: Option<&Path>,
) -> anyhow::Result<()> {
    let scan = load_scan(&advlens::app::bundled_scan()?, &LoadOptions::default())?;
    let threads = worker_threads();
    let cpu = cpu_model();
    let features = cpu_features();
    println!(
        "Operations on {} — CPU {cpu} ({}), {threads} worker threads; median of {} runs after one warm-up, ms per batch; ε = 8/255, PGD step 2/255",
        device.description,
        features.join(" "),
        args.runs
    );
    println!();
    println!("| model | batch | forward | input gradient | FGSM | PGD step | PGD-20 | Grad-CAM |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut rows = Vec::new();
    for shipped in selected_models(args)? {
        let model = load_shipped(&shipped.name, &device.device)?;
        let single = model_input_from_scan(&scan, model.card.spec.input_size, &device.device);
        for &batch in args.batch_sizes.iter().filter(|&&size| size > 0) {
            let times = time_operations(&model, &single, batch, args.runs)?;
            println!(
                "| {} | {batch} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.2} |",
                times.model,
                times.forward,
                times.input_gradient,
                times.fgsm,
                times.pgd_step,
                times.pgd20,
                times.grad_cam
            );
            rows.push(times);
        }
    }
    let peak_rss_mib = advlens::about::peak_resident_mib();
    if let Some(peak) = peak_rss_mib {
        println!();
        println!("Peak resident memory of this process: {peak:.0} MiB");
    }
    if let Some(path) = json {
        let report = OperationReport {
            tool: "advlens",
            device: device.description.clone(),
            cpu,
            cpu_features: features,
            threads,
            runs: args.runs,
            rows,
            peak_rss_mib,
        };
        advlens::export::write_atomic(path, serde_json::to_string_pretty(&report)?.as_bytes())?;
    }
    Ok(())
}

/// Times every operation on `batch` copies of `single`.
fn time_operations(
    model: &LoadedModel,
    single: &Tensor<4>,
    batch: usize,
    runs: usize,
) -> anyhow::Result<OperationTimes> {
    let input = Tensor::cat(vec![single.clone(); batch], 0);
    let labels = vec![0; batch];
    let differentiable = &model.models.differentiable;
    let signed_step = |from: &Tensor<4>, size: f64| -> anyhow::Result<Tensor<4>> {
        let gradient = loss_gradient(differentiable, from, &labels, false)?;
        Ok(from.clone().add(gradient.sign().mul_scalar(size)))
    };
    let forward = median_ms(runs, || {
        let _ = model.models.inference.forward(input.clone()).into_data();
        Ok(())
    })?;
    let input_gradient = median_ms(runs, || {
        let _ = loss_gradient(differentiable, &input, &labels, false)?.into_data();
        Ok(())
    })?;
    let fgsm = median_ms(runs, || {
        let _ = signed_step(&input, EPSILON)?.clamp(0.0, 1.0).into_data();
        Ok(())
    })?;
    let start = random_start(&input);
    let pgd_step = median_ms(runs, || {
        let next = project(signed_step(&start, PGD_STEP)?, &input, EPSILON, Norm::Linf);
        let _ = next.into_data();
        Ok(())
    })?;
    let pgd20 = median_ms(runs.min(5), || {
        let mut adversarial = random_start(&input);
        for _ in 0..PGD_STEPS {
            adversarial = project(
                signed_step(&adversarial, PGD_STEP)?,
                &input,
                EPSILON,
                Norm::Linf,
            );
        }
        let _ = adversarial.into_data();
        Ok(())
    })?;
    let grad_cam = median_ms(runs, || {
        let _ = grad_cam(&model.models, &input, 0)?.into_data();
        Ok(())
    })?;
    Ok(OperationTimes {
        model: model.card.name.clone(),
        architecture: model.card.spec.arch.to_string(),
        batch,
        forward,
        input_gradient,
        fgsm,
        pgd_step,
        pgd20,
        grad_cam,
    })
}

/// PGD's start: a uniform point of the L∞ ε-box around `clean`, clamped to [0, 1] (drawn on
/// the host, as `PyTorch` draws it on its device: it is a small share of a step either way).
fn random_start(clean: &Tensor<4>) -> Tensor<4> {
    let dims = clean.dims();
    let count: usize = dims.iter().product();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let noise: Vec<f32> = (0..count)
        .map(|_| rng.random_range(-EPSILON as f32..EPSILON as f32))
        .collect();
    let noise = Tensor::from_data(TensorData::new(noise, dims), &clean.device());
    project(clean.clone().add(noise), clean, EPSILON, Norm::Linf)
}

/// The worker threads Burn Flex's rayon pool uses: `RAYON_NUM_THREADS` when set, else the
/// processors this process may run on.
fn worker_threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|text| text.parse().ok())
        .filter(|&count: &usize| count > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

/// The processor's model name from `/proc/cpuinfo` ("unknown" elsewhere).
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, name)| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// The vector instruction sets this processor offers (what run-time dispatch can pick).
fn cpu_features() -> Vec<&'static str> {
    let mut found = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            found.push("avx2");
        }
        if std::arch::is_x86_feature_detected!("fma") {
            found.push("fma");
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            found.push("avx512f");
        }
    }
    if found.is_empty() {
        found.push("baseline");
    }
    found
}
