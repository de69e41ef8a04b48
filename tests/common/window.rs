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
