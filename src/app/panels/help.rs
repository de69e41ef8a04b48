//! The keyboard-shortcut overlay.

use eframe::egui;

/// Shortcuts and what they do.
pub const SHORTCUTS: [(&str, &str); 12] = [
    ("F1 or ?", "show or hide this help"),
    (
        "P",
        "presentation mode (large, high contrast; the controls hide)",
    ),
    ("C", "in presentation mode: show or hide the controls"),
    ("L", "lecture scenarios: show or hide the scenario bar"),
    (
        "PageDown / PageUp, → / ←",
        "next / previous scenario (what clickers send)",
    ),
    ("[ and ]", "ε down / up by 0.25/255"),
    ("R", "run the attack"),
    ("Esc", "cancel a running attack"),
    ("Ctrl+O", "open a scan"),
    ("Ctrl+E", "export the comparison"),
    ("scroll / drag", "zoom / pan all views together"),
    ("double-click a view", "reset zoom"),
];

/// Draws the help window while `open`.
pub fn help_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            egui::Grid::new("shortcuts")
                .num_columns(2)
                .striped(true)
                .show(ui, |ui| {
                    for (keys, action) in SHORTCUTS {
                        ui.strong(keys);
                        ui.label(action);
                        ui.end_row();
                    }
                });
        });
}
