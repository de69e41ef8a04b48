//! The About window: version, commit, the backends compiled in, and the licences and
//! attributions of the data behind the shipped models and the bundled scans.

use eframe::egui::{self, RichText};

use crate::about::{ATTRIBUTIONS, BACKENDS, version_line};
use crate::app::settings_dir;
use crate::device::kernel_cache_dir;

/// Draws the About window while `open`.
pub fn about_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("About advlens")
        .open(open)
        .collapsible(false)
        .resizable(true)
        .default_width(560.0)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.heading(version_line());
            ui.label(
                "See how adversarial attacks fool medical-imaging models, one scan at a time. \
                 For research and teaching; not for diagnosis.",
            );
            ui.add_space(6.0);
            ui.strong("Compute backends");
            for backend in BACKENDS {
                ui.label(format!("• {backend}"));
            }
            ui.add_space(6.0);
            ui.strong("Data, licences and attributions");
            egui::Grid::new("attributions")
                .num_columns(2)
                .striped(true)
                .spacing([12.0, 6.0])
                .show(ui, |ui| {
                    for entry in ATTRIBUTIONS {
                        ui.label(RichText::new(entry.licence).strong());
                        ui.vertical(|ui| {
                            ui.label(entry.used_for);
                            ui.label(RichText::new(entry.source).weak());
                        });
                        ui.end_row();
                    }
                });
            ui.add_space(6.0);
            ui.strong("Your files");
            let place = |path: Option<std::path::PathBuf>| {
                path.map_or_else(|| "none on this system".to_string(), |p| p.display().to_string())
            };
            ui.label(format!("Settings and recent files: {}", place(settings_dir())));
            ui.label(format!("GPU kernel cache: {}", place(kernel_cache_dir())));
            ui.add_space(6.0);
            ui.label(
                RichText::new(
                    "Scans stay on this computer: nothing is uploaded or downloaded. \
                     Each file's source is in sample_data/README.md, each model's data in its card.",
                )
                .italics(),
            );
        });
}
