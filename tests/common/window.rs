//! The window test harness shared by the GUI test files: the real app (worker, models and
//! all) on the CPU backend with fresh settings, stepped until it is idle with a result.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use advlens::app::{AdvlensApp, AppOptions};
use advlens::device::DevicePreference;
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

pub fn options() -> AppOptions {
    AppOptions {
        device: DevicePreference::Cpu,
        fresh_settings: true,
        ..AppOptions::default()
    }
}

pub fn harness() -> Harness<'static, AdvlensApp> {
    Harness::builder()
        .with_size([1400.0, 1300.0])
        .build_eframe(|cc| AdvlensApp::new(cc, options()))
}

/// Steps frames in real time until the app is idle with a result (the worker runs on its own
/// thread), or fails after two minutes.
pub fn settle(harness: &mut Harness<'_, AdvlensApp>) {
    let started = Instant::now();
    loop {
        harness.step();
        let app = harness.state();
        if app.result().is_some() && !app.is_busy() && !app.status().sweeping {
            harness.step();
            return;
        }
        assert!(
            started.elapsed() < Duration::from_mins(2),
            "no result after two minutes; errors: {:?}",
            app.errors()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for the first result, then picks an attack family from the menu by its label.
pub fn choose_family(harness: &mut Harness<'_, AdvlensApp>, label: &str) {
    settle(harness);
    harness
        .get_by_role_and_label(Role::ComboBox, "family")
        .click();
    harness.run_steps(3);
    harness.get_by_label(label).click();
    harness.step();
}

/// Picks a defence from the menu by its label and waits for the defended result.
pub fn choose_defence(harness: &mut Harness<'_, AdvlensApp>, label: &str) {
    harness
        .get_by_role_and_label(Role::ComboBox, "defence")
        .click();
    harness.run_steps(3);
    harness.get_by_label(label).click();
    harness.step();
    settle(harness);
}

/// The real app rendered with wgpu (software Vulkan where there is no GPU) at `size`, for a
/// snapshot; `None`, said on stderr, where no adapter exists or `ADVLENS_SKIP_WGPU` is set.
pub fn snapshot_harness(size: [f32; 2]) -> Option<Harness<'static, AdvlensApp>> {
    if std::env::var_os("ADVLENS_SKIP_WGPU").is_some()
        || advlens::device::list_adapters().is_empty()
    {
        eprintln!("skipped: no wgpu adapter to render the snapshot");
        return None;
    }
    Some(
        Harness::builder()
            .with_size(size)
            .wgpu()
            .build_eframe(|cc| AdvlensApp::new(cc, options())),
    )
}

/// Masks, `width` points wide from their left edge, the labels containing any of `needles`
/// (wall-clock figures, which differ from run to run).
pub fn mask_labels(harness: &mut Harness<'_, AdvlensApp>, needles: &[&str], width: f32) {
    let rects: Vec<eframe::egui::Rect> = needles
        .iter()
        .flat_map(|needle| harness.query_all_by_label_contains(needle))
        .map(|node| node.rect())
        .collect();
    for rect in rects {
        harness.mask(eframe::egui::Rect::from_min_size(
            rect.min,
            eframe::egui::vec2(width, rect.height()),
        ));
    }
}
