//! The window's layout at the sizes it is used at — a projector (1024×768), a laptop
//! (1440×900), a 1440p monitor (2560×1440) and presentation mode — through `egui_kittest` on
//! the real app: no view and no sweep plot is clipped by the window, and the views cover at
//! least 70 % of the centre they share. Where a wgpu adapter exists (software Vulkan in CI)
//! each is also compared with its snapshot.

#[path = "common/window.rs"]
mod window;

use advlens::app::AdvlensApp;
use eframe::egui::{Rect, pos2};
use egui_kittest::Harness;
use window::{options, settle};

/// The share of the centre the views must cover.
const MIN_COVERAGE: f32 = 0.70;

fn check_layout(width: f32, height: f32, presentation: bool) {
    let wgpu = std::env::var_os("ADVLENS_SKIP_WGPU").is_none()
        && !advlens::device::list_adapters().is_empty();
    let builder = Harness::builder().with_size([width, height]);
    let builder = if wgpu { builder.wgpu() } else { builder };
    let mut harness = builder.build_eframe(|cc| AdvlensApp::new(cc, options()));
    harness.state_mut().settings_mut().presentation = presentation;
    settle(&mut harness);
    harness.run_steps(3);
    let name = format!(
        "layout {width}×{height}{}",
        if presentation { " presentation" } else { "" }
    );
    let window = Rect::from_min_max(pos2(0.0, 0.0), pos2(width, height)).expand(0.5);
    let layout = harness.state().layout().clone();
    // Half a pixel of rounding is allowed at every edge.
    let centre = layout.centre.expect("the centre was drawn").expand(0.5);
    assert!(window.contains_rect(centre), "{name}: centre {centre:?}");
    assert_eq!(layout.views.len(), 5, "{name}");
    for view in &layout.views {
        assert!(
            centre.contains_rect(*view),
            "{name}: view {view:?} outside the centre {centre:?}"
        );
        assert!(view.width() >= 100.0, "{name}: view {view:?} too small");
    }
    let plot = layout.sweep_plot.expect("the sweep plot was drawn");
    assert!(window.contains_rect(plot), "{name}: plot {plot:?}");
    assert!(
        plot.height() >= 80.0 && plot.width() >= 150.0,
        "{name}: {plot:?}"
    );
    for tile in &layout.tiles {
        assert!(
            centre.contains_rect(*tile),
            "{name}: tile {tile:?} outside the centre"
        );
    }
    // The tiles: each view with its title, and the sweep when it takes the grid's spare tile.
    let covered: f32 = layout.tiles.iter().map(Rect::area).sum();
    let coverage = covered / centre.area();
    eprintln!(
        "{name}: views cover {:.1} % of the centre {centre:?}",
        coverage * 100.0
    );
    assert!(coverage >= MIN_COVERAGE, "{name}: {coverage}");
    if wgpu {
        let file = format!(
            "layout_{width}x{height}{}",
            if presentation { "_presentation" } else { "" }
        );
        let options = egui_kittest::SnapshotOptions::new().max_failed_pixels(
            // About 1 % of the window: software rendering varies in a few glyph edges.
            (width * height / 100.0) as usize,
        );
        window::mask_labels(&mut harness, &[" ms"], 150.0);
        harness.snapshot_options(&file, &options);
    }
}

#[test]
fn a_projector_1024_by_768() {
    check_layout(1024.0, 768.0, false);
}

#[test]
fn a_laptop_1440_by_900() {
    check_layout(1440.0, 900.0, false);
}

#[test]
fn a_monitor_2560_by_1440() {
    check_layout(2560.0, 1440.0, false);
}

#[test]
fn presentation_mode_1440_by_900() {
    check_layout(1440.0, 900.0, true);
}
