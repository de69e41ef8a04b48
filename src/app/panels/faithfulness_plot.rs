//! The deletion and insertion curves of the clean and the adversarial map (Petsiuk et al.
//! 2018), with their areas: the check that a map points at what the model uses.

use eframe::egui::{self, RichText};
use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints};

use crate::app::theme;
use crate::explain::{Faithfulness, FaithfulnessCurves};

fn points(values: &[f32]) -> PlotPoints<'static> {
    let last = values.len().saturating_sub(1).max(1) as f64;
    values
        .iter()
        .enumerate()
        .map(|(i, v)| [i as f64 / last, f64::from(*v)])
        .collect::<Vec<[f64; 2]>>()
        .into()
}

fn lines(
    plot: &mut egui_plot::PlotUi<'_>,
    which: &str,
    curves: &FaithfulnessCurves,
    color: egui::Color32,
) {
    plot.line(
        Line::new(format!("{which} deletion"), points(&curves.deletion))
            .color(color)
            .width(2.0),
    );
    plot.line(
        Line::new(format!("{which} insertion"), points(&curves.insertion))
            .color(color)
            .style(LineStyle::dashed_loose())
            .width(2.0),
    );
}

/// Draws the curves and their areas.
pub fn faithfulness_ui(ui: &mut egui::Ui, faithfulness: &Faithfulness) {
    let (clean, adversarial) = (&faithfulness.clean, &faithfulness.adversarial);
    ui.label(format!(
        "deletion AUC {:.2} clean · {:.2} adversarial (lower is better)",
        clean.deletion_auc, adversarial.deletion_auc
    ))
    .on_hover_text(
        "Black out the pixels the map ranks highest first: if the map is right, the class probability falls at once",
    );
    ui.label(format!(
        "insertion AUC {:.2} clean · {:.2} adversarial (higher is better)",
        clean.insertion_auc, adversarial.insertion_auc
    ))
    .on_hover_text(
        "Put the top-ranked pixels back into a blurred scan first: if the map is right, the probability rises at once",
    );
    Plot::new("faithfulness")
        .height(150.0)
        .include_y(0.0)
        .include_y(1.0)
        .include_x(0.0)
        .include_x(1.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_double_click_reset(false)
        .legend(Legend::default())
        .x_axis_label("share of pixels changed")
        .y_axis_label("p(predicted class)")
        .show(ui, |plot| {
            lines(plot, "clean", clean, theme::CLEAN_BARS);
            lines(plot, "adversarial", adversarial, theme::ADVERSARIAL_BARS);
        });
    ui.label(RichText::new("solid: deletion · dashed: insertion").weak());
}
