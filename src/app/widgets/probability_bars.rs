//! Class probabilities as labelled horizontal bars with percentages.

use eframe::egui::{self, Color32, RichText};

/// One bar per class; the highest is drawn in the accent colour.
pub fn probability_bars_ui(
    ui: &mut egui::Ui,
    title: &str,
    classes: &[String],
    probs: &[f32],
    accent: Color32,
) {
    ui.label(RichText::new(title).strong());
    let best = (!probs.is_empty()).then(|| crate::attacks::predicted_class(probs));
    for (index, (class, &p)) in classes.iter().zip(probs).enumerate() {
        let fill = if Some(index) == best {
            accent
        } else {
            ui.visuals().widgets.inactive.bg_fill
        };
        ui.add(
            egui::ProgressBar::new(p.clamp(0.0, 1.0))
                .fill(fill)
                .text(format!("{class}  {:.1}%", 100.0 * p)),
        );
    }
}
