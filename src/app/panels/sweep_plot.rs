//! The ε-sweep curve: true-class probability against ε, with the current ε and the flip point
//! marked; clicking the curve sets ε.

use eframe::egui::{self, RichText};
use egui_plot::{Line, Plot, PlotPoints, Points, VLine};

use crate::app::{Command, Commands, Session, theme};
use crate::attacks::{Norm, display_scale};

/// Draws the sweep section.
pub fn sweep_ui(ui: &mut egui::Ui, session: &Session, commands: &mut Commands) {
    // The sweep attacks the model alone; say so when a defence is shown beside it.
    let title = if session.settings.spec.defense.is_some() {
        "ε sweep (model without the defence)"
    } else {
        "ε sweep"
    };
    ui.label(RichText::new(title).strong());
    let kind = session.settings.spec.attack.kind;
    if !kind.sweeps() {
        let why = if kind.is_minimal() {
            "none for a minimal attack: it has no ε, its answer is the size it needed"
        } else if kind.is_sparse() {
            "none for a sparse attack: its budget is a number of pixels, not ε"
        } else {
            "none for this attack: each point would cost thousands of model queries (use advlens eval)"
        };
        ui.label(RichText::new(why).weak());
        return;
    }
    let Some(sweep) = session.sweep.clone() else {
        ui.label(
            RichText::new(if session.status.sweeping {
                "computing the curve…"
            } else {
                "no curve yet"
            })
            .weak(),
        );
        return;
    };
    let norm = session.settings.spec.attack.norm();
    let l2 = norm == Norm::L2;
    let unit = display_scale(norm);
    let label = sweep.label;
    let curve: Vec<[f64; 2]> = sweep
        .points
        .iter()
        .map(|p| [p.epsilon * unit, f64::from(p.true_class_probability)])
        .collect();
    let current = session.settings.spec.attack.epsilon * unit;
    let flip = sweep.flip;
    let class_name = session
        .card
        .as_ref()
        .and_then(|c| c.classes.get(label))
        .cloned()
        .unwrap_or_default();
    let response = Plot::new("sweep")
        .height(180.0)
        .include_y(0.0)
        .include_y(1.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_double_click_reset(false)
        .x_axis_label(if l2 { "ε (L2)" } else { "ε (/255)" })
        .y_axis_label(format!("p({class_name})"))
        .show(ui, |plot| {
            plot.line(
                Line::new("true class", PlotPoints::from(curve.clone()))
                    .color(theme::SWEEP_CURVE)
                    .width(2.0),
            );
            plot.vline(VLine::new("current ε", current).color(theme::CURRENT_EPSILON));
            if let Some(flip) = flip {
                let at = [flip.epsilon * unit, f64::from(flip.true_class_probability)];
                plot.points(
                    Points::new("prediction flips", vec![at])
                        .radius(6.0)
                        .color(theme::FLIP_POINT),
                );
            }
            (plot.response().clicked(), plot.pointer_coordinate())
        });
    let (clicked, pointer) = response.inner;
    if clicked && let Some(pointer) = pointer {
        commands.push(Command::SetEpsilon {
            epsilon: pointer.x / unit,
            run: true,
        });
    }
    let flip_text = flip.map_or_else(
        || "the prediction does not flip in this range".to_string(),
        |flip| flip.describe(norm),
    );
    ui.label(RichText::new(format!("{flip_text} · click the curve to set ε")).weak());
}
