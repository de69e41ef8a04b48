//! Faults outside the engine, in the real app through `egui_kittest`: an export into a
//! read-only folder and into a full one fails with a banner naming the folder and the reason,
//! leaves the folder as it was and the result on screen, and the next export works; a GPU that
//! refuses to start (a fault injected at device start) leaves the window on the CPU with a
//! notice; each of the forty hostile scans opened in the window is either refused with a
//! banner naming it, the previous scan and result kept, or shown. Its own test binary: the
//! fault switch is process-wide, and the tests here take turns.

#[path = "common/dicom_builder.rs"]
mod dicom_builder;
#[path = "common/hostile.rs"]
mod hostile;
#[path = "common/hostile_dicom.rs"]
mod hostile_dicom;
#[path = "common/hostile_raster.rs"]
mod hostile_raster;
#[path = "common/window.rs"]
mod window;

use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::Mutex;

use advlens::app::{AdvlensApp, AppOptions, Command};
use advlens::device::{
    AdapterSummary, CpuFallback, DevicePreference, choose_device, select_device_shared,
};
use advlens::fault::{FaultStage, inject_next};
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use window::{harness, settle};

/// The fault switch is one per process: these tests run one at a time.
static TURN: Mutex<()> = Mutex::new(());

fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn can_write_into(folder: &Path) -> bool {
    let probe = folder.join(".probe");
    let written = std::fs::write(&probe, b"x").is_ok();
    let _removed = std::fs::remove_file(&probe);
    written
}

/// A folder nothing can be written into, even by root (whom permissions do not stop): its
/// mode is 0555 and, where that is not enough, it is made immutable (`chattr +i`). `None` when
/// neither holds here. The guard makes it writable again.
struct ReadOnly(PathBuf);

impl ReadOnly {
    fn make(folder: &Path) -> Option<Self> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(folder, std::fs::Permissions::from_mode(0o555)).unwrap();
        let guard = Self(folder.to_path_buf());
        if !can_write_into(folder) {
            return Some(guard);
        }
        let immutable = Process::new("chattr").arg("+i").arg(folder).status();
        (immutable.is_ok_and(|s| s.success()) && !can_write_into(folder)).then_some(guard)
    }
}

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _mutable = Process::new("chattr").arg("-i").arg(&self.0).status();
        let _writable = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

/// A 64 KiB tmpfs mounted on `folder` and filled to the last byte; `None` where mounting is
/// not allowed. The guard unmounts it.
struct Full(PathBuf);

impl Full {
    fn make(folder: &Path) -> Option<Self> {
        let mounted = Process::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(folder)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            return None;
        }
        let guard = Self(folder.to_path_buf());
        // Fill it: one file of all that fits.
        let mut filler = std::fs::File::create(folder.join("filler.bin")).unwrap();
        let block = vec![0_u8; 4096];
        while std::io::Write::write_all(&mut filler, &block).is_ok() {}
        drop(filler);
        assert!(!can_write_into(folder), "the tmpfs is not full");
        Some(guard)
    }
}

impl Drop for Full {
    fn drop(&mut self) {
        let _unmounted = Process::new("umount").arg(&self.0).status();
    }
}

/// Exports into `folder` and checks the failure: a banner naming the folder and `reason`, the
/// folder unchanged, the result still on screen; then dismisses the banner.
fn export_fails(harness: &mut Harness<'_, AdvlensApp>, folder: &Path, reasons: &[&str]) {
    let before = names(folder);
    let result_before = harness.state().result().unwrap().adversarial.clone();
    harness
        .state_mut()
        .push(Command::Export(Some(folder.to_path_buf())));
    harness.run_steps(2);
    let errors = harness.state().errors().to_vec();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("Error exporting"), "{errors:?}");
    assert!(
        errors[0].contains(&folder.display().to_string()),
        "{errors:?}"
    );
    assert!(
        reasons.iter().any(|reason| errors[0].contains(reason)),
        "{errors:?}"
    );
    assert!(!errors[0].contains(".partial"), "{errors:?}");
    assert_eq!(names(folder), before, "the folder changed");
    assert_eq!(harness.state().result().unwrap().adversarial, result_before);
    assert!(harness.state().last_export().is_none());
    // The banner is readable in the window itself.
    harness
        .get_by_role_and_label(Role::Button, "Dismiss")
        .click();
    harness.run_steps(2);
    assert!(harness.state().errors().is_empty());
}

#[test]
fn an_export_into_a_read_only_or_full_folder_fails_cleanly_and_the_next_one_works() {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut harness = harness();
    settle(&mut harness);
    let root = tempfile::tempdir().unwrap();
    let locked = root.path().join("read-only");
    std::fs::create_dir(&locked).unwrap();
    std::fs::write(locked.join("kept.txt"), "kept").unwrap();
    match ReadOnly::make(&locked) {
        Some(_guard) => export_fails(
            &mut harness,
            &locked,
            &["Permission denied", "Operation not permitted", "Read-only"],
        ),
        None => eprintln!("skipped the read-only case: no way to make a folder read-only here"),
    }
    let full = root.path().join("full");
    std::fs::create_dir(&full).unwrap();
    match Full::make(&full) {
        Some(_guard) => export_fails(&mut harness, &full, &["No space left on device"]),
        None => eprintln!("skipped the full-disk case: mounting a tmpfs is not allowed here"),
    }
    let good = root.path().join("good");
    harness
        .state_mut()
        .push(Command::Export(Some(good.clone())));
    harness.run_steps(2);
    assert!(
        harness.state().errors().is_empty(),
        "{:?}",
        harness.state().errors()
    );
    let written = names(&good);
    for file in [
        "figure.png",
        "adversarial.png",
        "result.json",
        "recipe.json",
    ] {
        assert!(written.iter().any(|name| name == file), "{written:?}");
    }
    assert!(
        !written.iter().any(|name| name.contains("partial")),
        "{written:?}"
    );
}

fn fake_gpu() -> AdapterSummary {
    AdapterSummary {
        name: "a GPU whose driver refuses it".to_string(),
        device_type: burn::tensor::wgpu::wgpu::DeviceType::DiscreteGpu,
        backend: burn::tensor::wgpu::wgpu::Backend::Vulkan,
    }
}

#[test]
fn a_gpu_that_does_not_start_leaves_auto_on_the_cpu_saying_why() {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    inject_next(Some(FaultStage::GpuStart));
    let (device, why) = choose_device(DevicePreference::Auto, &[fake_gpu()]).unwrap();
    assert!(!device.is_wgpu());
    assert!(matches!(why, Some(CpuFallback::GpuFailed(_))), "{why:?}");
    inject_next(Some(FaultStage::GpuStart));
    let (device, setup, why) = select_device_shared(DevicePreference::Auto, &[fake_gpu()]).unwrap();
    assert!(!device.is_wgpu() && setup.is_none());
    let why = why.unwrap().to_string();
    assert!(
        why.contains("did not start") && why.contains("refused"),
        "{why}"
    );
    // Asked for explicitly, the GPU's failure is an error, not a silent CPU run.
    inject_next(Some(FaultStage::GpuStart));
    assert!(choose_device(DevicePreference::Gpu, &[fake_gpu()]).is_err());
    inject_next(None);
}

#[test]
fn a_window_whose_gpu_does_not_start_runs_on_the_cpu_with_a_notice() {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let adapters = advlens::device::list_adapters();
    inject_next(Some(FaultStage::GpuStart));
    let mut harness = Harness::builder()
        .with_size([1400.0, 1300.0])
        .build_eframe(|cc| {
            AdvlensApp::new(
                cc,
                AppOptions {
                    device: DevicePreference::Gpu,
                    fresh_settings: true,
                    ..AppOptions::default()
                },
            )
        });
    settle(&mut harness);
    inject_next(None);
    let errors = harness.state().errors().to_vec();
    assert!(
        errors.iter().any(|e| e.contains("using the CPU instead")),
        "{errors:?}"
    );
    if !adapters.is_empty() {
        // An adapter was there: the failure seen is the injected one.
        assert!(errors.iter().any(|e| e.contains("refused")), "{errors:?}");
    }
    assert_eq!(
        harness.state().status().device.as_deref(),
        Some("CPU (Burn Flex)")
    );
    assert!(harness.state().result().is_some());
}

#[test]
fn every_hostile_scan_is_refused_with_a_banner_keeping_the_previous_result_or_shown() {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let folder = tempfile::tempdir().unwrap();
    let mut harness = harness();
    settle(&mut harness);
    let (mut refused, mut shown) = (0, 0);
    for scan in hostile::hostile_scans() {
        let path = folder.path().join(&scan.name);
        std::fs::write(&path, &scan.bytes).unwrap();
        let before_scan = harness.state().scan().unwrap().metadata.source_name.clone();
        let before_result = harness.state().result().unwrap().adversarial.clone();
        harness.state_mut().push(Command::OpenScan(path));
        let started = std::time::Instant::now();
        loop {
            harness.step();
            let app = harness.state();
            let loaded = app
                .scan()
                .is_some_and(|s| s.metadata.source_name == scan.name);
            if !app.errors().is_empty() || (loaded && app.result().is_some() && !app.is_busy()) {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "{} ({}): no answer",
                scan.name,
                scan.what
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let errors = harness.state().errors().to_vec();
        if errors.is_empty() {
            shown += 1;
            settle(&mut harness);
        } else {
            refused += 1;
            assert_eq!(errors.len(), 1, "{}: {errors:?}", scan.name);
            assert!(errors[0].contains(&scan.name), "{}: {errors:?}", scan.name);
            let app = harness.state();
            assert_eq!(app.scan().unwrap().metadata.source_name, before_scan);
            assert_eq!(app.result().unwrap().adversarial, before_result);
            harness.state_mut().push(Command::DismissErrors);
            harness.run_steps(2);
        }
    }
    eprintln!("hostile scans in the window: {refused} refused with a banner, {shown} shown");
    assert!(
        refused >= 30 && shown >= 1,
        "{refused} refused, {shown} shown"
    );
}
