//! A small colour bar beside a view's title: the colours the view uses and the values at its
//! ends (the perturbation's ±L∞ in k/255, an explanation's 0–1), so a hall can read the map.

use eframe::egui::{self, Color32, RichText, Sense, Stroke, StrokeKind, vec2};

use crate::export::{diverging, viridis};

/// Which scale a bar shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColourScale {
    /// Blue–white–red from −scale to +scale (the perturbation).
    Diverging {
        /// The value at full colour, on the [0, 1] scale.
        scale: f32,
    },
    /// Viridis from 0 to 1 (an explanation).
    Viridis,
}

/// Steps the bar is drawn in.
const STEPS: usize = 24;

/// Draws the bar, `width` points wide, with its end values.
pub fn colour_bar_ui(ui: &mut egui::Ui, scale: ColourScale, width: f32) {
    let (low, high) = match scale {
        ColourScale::Diverging { scale } => (
            format!("−{:.2}", scale * 255.0),
            format!("+{:.2}/255", scale * 255.0),
        ),
        ColourScale::Viridis => ("0".to_string(), "1".to_string()),
    };
    ui.label(RichText::new(low).small());
    let (rect, _) = ui.allocate_exact_size(vec2(width.max(16.0), 10.0), Sense::hover());
    let step = rect.width() / STEPS as f32;
    for index in 0..STEPS {
        let t = (index as f32 + 0.5) / STEPS as f32;
        let [r, g, b] = match scale {
            ColourScale::Diverging { scale } => diverging((2.0 * t - 1.0) * scale, scale),
            ColourScale::Viridis => viridis(t),
        };
        let left = rect.min.x + index as f32 * step;
        let cell = egui::Rect::from_min_max(
            egui::pos2(left, rect.min.y),
            egui::pos2(left + step + 0.5, rect.max.y),
        );
        ui.painter()
            .rect_filled(cell, 0.0, Color32::from_rgb(r, g, b));
    }
    ui.painter().rect_stroke(
        rect,
        0.0,
        Stroke::new(1.0, ui.visuals().widgets.noninteractive.bg_stroke.color),
        StrokeKind::Outside,
    );
    ui.label(RichText::new(high).small());
}
