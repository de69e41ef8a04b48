//! `advlens` / `advlens gui`: the workbench window.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use eframe::egui;
use eframe::egui_wgpu::{self, WgpuSetupExisting};

use advlens::app::{AdvlensApp, AppOptions, SmokeTest, SoakTest};
use advlens::device::{CpuFallback, DevicePreference, select_device_shared};

/// Arguments of `gui`.
#[derive(Args, Debug, Default)]
pub struct GuiArgs {
    /// A scan to open instead of the bundled chest X-ray.
    #[arg(long)]
    scan: Option<PathBuf>,
    /// The same, as a plain argument (what a file manager or the desktop entry passes).
    #[arg(conflicts_with = "scan", value_name = "SCAN")]
    file: Option<PathBuf>,
    /// A shipped model to start with (see `advlens models`), e.g. chest-xray-resnet18.
    #[arg(long)]
    model: Option<String>,
    /// auto, gpu or cpu.
    #[arg(long, default_value = "auto")]
    device: DevicePreference,
    /// Start with default settings instead of the saved ones.
    #[arg(long)]
    fresh: bool,
    /// Smoke test: after the first result, save a screenshot here and quit.
    #[arg(long)]
    smoke_test: Option<PathBuf>,
    /// Soak test: drive the window for this many seconds (slider drags, attack and model
    /// switches, sweeps, scan loads, cancelled runs, exports), write a JSON report to
    /// `--soak-report`, then quit.
    #[arg(long, value_name = "SECONDS", requires = "soak_report")]
    soak: Option<u64>,
    /// Where the soak test's report goes.
    #[arg(long, value_name = "FILE")]
    soak_report: Option<PathBuf>,
    /// A folder of scans the soak test opens in turn (good and hostile mixed).
    #[arg(long, value_name = "FOLDER")]
    soak_scans: Option<PathBuf>,
}

pub fn run(args: GuiArgs) -> anyhow::Result<()> {
    let adapters = if args.device == DevicePreference::Cpu {
        Vec::new()
    } else {
        super::adapter_probe::quiet_adapters()
    };
    let (device, setup, fallback) = select_device_shared(args.device, &adapters)?;
    super::report_fallback(fallback.as_ref());
    // A GPU that exists but did not start is worth a notice in the window too.
    let device_notice = match &fallback {
        Some(failed @ CpuFallback::GpuFailed(_)) => Some(format!("Running on the CPU: {failed}")),
        _ => None,
    };
    let mut wgpu_options = egui_wgpu::WgpuConfiguration::default();
    if let Some(setup) = setup {
        // One wgpu device for the window and for Burn's tensors.
        wgpu_options.wgpu_setup = egui_wgpu::WgpuSetup::Existing(WgpuSetupExisting {
            instance: setup.instance,
            adapter: setup.adapter,
            device: setup.device,
            queue: setup.queue,
        });
    }
    let soak = match (args.soak, args.soak_report) {
        (Some(seconds), Some(report)) => Some(SoakTest {
            duration: std::time::Duration::from_secs(seconds),
            scans: soak_scans(args.soak_scans.as_deref())?,
            report,
        }),
        _ => None,
    };
    let options = AppOptions {
        device: args.device,
        scan: args.scan.or(args.file),
        model: args.model,
        fresh_settings: args.fresh || args.smoke_test.is_some() || soak.is_some(),
        smoke: args.smoke_test.map(|screenshot| SmokeTest { screenshot }),
        soak,
        shared_device: Some(device),
        device_notice,
    };
    let native_options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("advlens")
            .with_app_id(advlens::app::APP_ID)
            .with_inner_size([1440.0, 920.0])
            .with_min_inner_size([900.0, 600.0])
            .with_drag_and_drop(true),
        renderer: eframe::Renderer::Wgpu,
        wgpu_options,
        ..eframe::NativeOptions::default()
    };
    let options = Arc::new(options);
    eframe::run_native(
        advlens::app::APP_ID,
        native_options,
        Box::new(move |cc| Ok(Box::new(AdvlensApp::new(cc, (*options).clone())))),
    )
    .map_err(|err| anyhow::anyhow!("{err}"))
    .context("could not open the window (is there a display? the command line works without one: advlens --help)")
}

/// The files of the soak test's scan folder, in name order.
fn soak_scans(folder: Option<&std::path::Path>) -> anyhow::Result<Vec<PathBuf>> {
    let Some(folder) = folder else {
        return Ok(Vec::new());
    };
    let mut scans: Vec<PathBuf> = std::fs::read_dir(folder)
        .with_context(|| format!("cannot read the soak scans: {}", folder.display()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    scans.sort();
    Ok(scans)
}
