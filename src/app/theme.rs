//! The window's colours, in one place: what each colour means, so that panels name a meaning
//! (`theme::FOOLED`) instead of a number, and presentation mode and any later theme change
//! touch one file. (The scan colour maps are data, in `export/colormap.rs` and the shader.)

use eframe::egui::{self, Color32};

/// The verdict when the attack did what it set out to do.
pub const FOOLED: Color32 = Color32::from_rgb(255, 120, 100);
/// The verdict when the model held.
pub const HELD: Color32 = Color32::from_rgb(140, 220, 140);
/// A warning that is not an error (the defence changes the clean prediction, a flagged image).
pub const WARNING: Color32 = Color32::from_rgb(255, 180, 80);
/// Probability bars of the clean image.
pub const CLEAN_BARS: Color32 = Color32::from_rgb(70, 130, 200);
/// Probability bars of the adversarial image.
pub const ADVERSARIAL_BARS: Color32 = Color32::from_rgb(200, 80, 70);
/// Probability bars of the defended clean image.
pub const DEFENDED_CLEAN_BARS: Color32 = Color32::from_rgb(70, 160, 150);
/// Probability bars of the defended adversarial image.
pub const DEFENDED_ADVERSARIAL_BARS: Color32 = Color32::from_rgb(200, 140, 60);
/// The background of the error banner.
pub const ERROR_BANNER: Color32 = Color32::from_rgb(90, 20, 20);
/// Text on the error banner and in presentation mode.
pub const STRONG_TEXT: Color32 = Color32::WHITE;
/// Panel background in presentation mode (high contrast).
pub const PRESENTATION_BACKGROUND: Color32 = Color32::BLACK;
/// The sweep curve.
pub const SWEEP_CURVE: Color32 = Color32::LIGHT_BLUE;
/// The second attack's sweep curve.
pub const SWEEP_VERSUS: Color32 = Color32::from_rgb(230, 130, 230);
/// The current ε on the sweep.
pub const CURRENT_EPSILON: Color32 = Color32::YELLOW;
/// The defended model's sweep under an attack unaware of the defence.
pub const SWEEP_DEFENDED_UNAWARE: Color32 = Color32::from_rgb(120, 220, 140);
/// The defended model's sweep under an adaptive attack.
pub const SWEEP_DEFENDED_ADAPTIVE: Color32 = Color32::from_rgb(255, 150, 60);

/// Circles around the pixels a sparse attack changed (bright on grey scans and on the
/// blue–white–red perturbation alike).
pub const MARKER: Color32 = Color32::from_rgb(255, 230, 0);

/// The window's style: egui's dark theme, or presentation mode (larger, high contrast).
pub fn apply_style(ctx: &egui::Context, presentation: bool) {
    let zoom = if presentation { 1.6 } else { 1.0 };
    if (ctx.zoom_factor() - zoom).abs() > f32::EPSILON {
        ctx.set_zoom_factor(zoom);
    }
    let mut visuals = egui::Visuals::dark();
    if presentation {
        visuals.override_text_color = Some(STRONG_TEXT);
        visuals.panel_fill = PRESENTATION_BACKGROUND;
        visuals.window_fill = PRESENTATION_BACKGROUND;
        visuals.extreme_bg_color = PRESENTATION_BACKGROUND;
    }
    ctx.set_visuals(visuals);
}

/// egui's fonts with the monospace face (which has arrows, ∞ and Greek) as a fallback for
/// proportional text, so that no symbol we print shows as a box.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    if fonts.font_data.contains_key("Hack")
        && let Some(list) = fonts.families.get_mut(&egui::FontFamily::Proportional)
        && !list.iter().any(|name| name == "Hack")
    {
        list.push("Hack".to_string());
    }
    ctx.set_fonts(fonts);
}
