//! Forty hostile scans made by code (`tests/common/hostile*.rs`) (lying headers, odd sizes and bit
//! depths, NaN and Inf, missing, contradictory or absurd DICOM tags, truncations): each loads
//! or is refused within 2 s with a one-line error naming the file — in the library and in
//! `advlens attack`, which never panics nor needs more than 256 MiB of heap for any of them —
//! and whatever loads is finite, in [0, 1] and goes into the model.

mod common;
#[path = "common/dicom_builder.rs"]
mod dicom_builder;
#[path = "common/hostile.rs"]
mod hostile;
#[path = "common/hostile_dicom.rs"]
mod hostile_dicom;
#[path = "common/hostile_raster.rs"]
mod hostile_raster;

use std::time::{Duration, Instant};

use advlens::device::ComputeDevice;
use advlens::imaging::{LoadOptions, load_scan, model_input_from_scan};
use hostile::hostile_scans;

const TIME_LIMIT: Duration = Duration::from_secs(2);

#[test]
fn there_are_at_least_forty_and_each_is_refused_clearly_or_loads_sanely() {
    let scans = hostile_scans();
    assert!(scans.len() >= 40, "{} hostile scans", scans.len());
    let folder = tempfile::tempdir().unwrap();
    let device = ComputeDevice::cpu().device;
    let mut refused = 0;
    for scan in &scans {
        let path = folder.path().join(&scan.name);
        std::fs::write(&path, &scan.bytes).unwrap();
        let started = Instant::now();
        let outcome = load_scan(&path, &LoadOptions::default());
        let took = started.elapsed();
        assert!(
            took < TIME_LIMIT,
            "{} ({}) took {took:?}",
            scan.name,
            scan.what
        );
        match outcome {
            Err(err) => {
                refused += 1;
                let message = err.to_string();
                eprintln!("refused {} in {took:?}: {message}", scan.name);
                assert!(
                    !message.contains('\n'),
                    "{}: multi-line error {message:?}",
                    scan.name
                );
                assert!(
                    message.contains(&scan.name),
                    "{} ({}): {message}",
                    scan.name,
                    scan.what
                );
                if scan.name.starts_with("float_") {
                    assert!(message.contains("float samples are not read"), "{message}");
                }
            }
            Ok(loaded) => {
                let image = &loaded.display;
                eprintln!(
                    "loaded {} ({}×{}) in {took:?}",
                    scan.name, image.width, image.height
                );
                assert!(
                    image.width > 0 && image.height > 0,
                    "{}: empty image",
                    scan.name
                );
                assert!(
                    image
                        .pixels
                        .iter()
                        .all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
                    "{} ({}): pixels out of [0, 1]",
                    scan.name,
                    scan.what
                );
                let input = model_input_from_scan(&loaded, 128, &device);
                let values = common::host(&input);
                assert!(
                    values.iter().all(|v| v.is_finite()),
                    "{}: model input not finite",
                    scan.name
                );
            }
        }
    }
    assert!(refused >= 30, "only {refused} of {} refused", scans.len());
}

#[test]
fn the_command_line_never_panics_on_them_and_stays_within_its_memory() {
    let folder = tempfile::tempdir().unwrap();
    for scan in hostile_scans() {
        let path = folder.path().join(&scan.name);
        std::fs::write(&path, &scan.bytes).unwrap();
        let started = Instant::now();
        // Under a 256 MiB limit on its heap (RLIMIT_DATA; a good X-ray needs under 40 MiB):
        // a file that makes the loader allocate past it aborts the run and fails here.
        let output = common::advlens_with_heap_limit()
            .args(["attack", "--attack", "fgsm", "--device", "cpu", "--scan"])
            .arg(&path)
            .arg("--out")
            .arg(folder.path().join("out"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("panicked"),
            "{} ({}): {stderr}",
            scan.name,
            scan.what
        );
        if !output.status.success() {
            let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
            assert_eq!(errors.len(), 1, "{}: {stderr}", scan.name);
            assert!(errors[0].contains(&scan.name), "{}: {stderr}", scan.name);
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} took {:?} end to end",
            scan.name,
            started.elapsed()
        );
    }
}
