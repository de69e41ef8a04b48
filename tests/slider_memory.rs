//! The slider does not leak: 1,000 ε changes of an FGSM session on ResNet-18 (the largest
//! shipped model) leave the resident memory within 50 MiB of where it was after a warm-up.
//! Slow (≈ 1,000 × the slider's per-ε work on the CPU), so ignored by default:
//! `cargo test --release --test slider_memory -- --ignored --nocapture`.

mod common;

use advlens::attacks::{AttackConfig, AttackControl, AttackKind};
use advlens::device::ComputeDevice;
use advlens::models::load_shipped;
use advlens::pipeline::{AttackRequest, AttackSpec, FgsmSession};

/// The process's resident memory in MiB.
fn resident_mib() -> f64 {
    advlens::about::resident_mib().expect("/proc/self/status")
}

#[test]
#[ignore = "slow: 1,000 ε changes on ResNet-18; run with --ignored"]
fn a_thousand_epsilon_changes_do_not_grow_resident_memory() {
    let device = ComputeDevice::cpu();
    // Another model can be named for profiling the slider's per-ε work.
    let name = std::env::var("ADVLENS_SLIDER_MODEL").unwrap_or("chest-xray-resnet18".into());
    let model = load_shipped(&name, &device.device).unwrap();
    let request = AttackRequest {
        scan: common::sample_scan("chest_xray_normal_2.png"),
        spec: AttackSpec {
            attack: AttackConfig::new(AttackKind::Fgsm, 0.0),
            ..AttackSpec::default()
        },
    };
    let session = FgsmSession::new(&model, &request, &device).unwrap();
    let move_to = |step: usize| {
        let spec = AttackSpec {
            attack: AttackConfig::new(AttackKind::Fgsm, (step % 16) as f64 / 255.0),
            ..request.spec.clone()
        };
        let result = session
            .result_at(&model, &device, &spec, &AttackControl::default())
            .unwrap();
        assert!(result.metrics.linf <= (step % 16) as f64 / 255.0 + 1e-6);
    };
    for step in 0..100 {
        move_to(step);
    }
    let warm = resident_mib();
    let started = std::time::Instant::now();
    for step in 100..1_000 {
        move_to(step);
    }
    let after = resident_mib();
    eprintln!(
        "resident memory after 100 ε changes {warm:.0} MiB, after 1,000 {after:.0} MiB; {:.0} ms per ε change",
        started.elapsed().as_secs_f64() * 1000.0 / 900.0
    );
    assert!(
        after - warm < 50.0,
        "resident memory grew from {warm:.0} to {after:.0} MiB over 900 ε changes"
    );
}
