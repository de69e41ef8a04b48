//! The ε-sweep curve: true-class probability against ε, with the current ε and the flip point
//! marked; with a defence, the defended model's curves under an unaware and an adaptive attack
//! beside it, each with its own flip point; a second attack's curve on the same axes when one
//! is chosen (FGSM against PGD); clicking the curve sets ε.

use eframe::egui::{self, RichText};
use egui_plot::{Legend, Line, Plot, PlotPoints, Points, VLine};

use crate::app::actions::versus_choices;
use crate::app::{Command, Commands, Session, theme};
use crate::attacks::{Norm, display_scale};
use crate::pipeline::sweep::{DefendedSetting, FlipEstimate, Sweep, SweepPoint};

/// Draws the sweep in its own resizable strip under the views (it spans the centre, between
/// the controls and the numbers).
/// Returns where the plot was drawn, if it was.
pub fn sweep_strip_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    commands: &mut Commands,
) -> Option<egui::Rect> {
    egui::Panel::bottom("sweep")
        .resizable(true)
        .default_size(250.0)
        .min_size(140.0)
        .show(ui, |ui| sweep_ui(ui, session, commands))
        .inner
}

/// Draws the sweep section (in its strip, or in a tile of the views' grid); returns the
/// plot's rectangle when there is a curve.
pub(super) fn sweep_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    commands: &mut Commands,
) -> Option<egui::Rect> {
    // The strip keeps its size while no curve is there (a panel shrinks to what it holds).
    ui.set_min_size(ui.available_size());
    header_ui(ui, session, commands);
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
        return None;
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
        return None;
    };
    let norm = session.settings.spec.attack.norm();
    let l2 = norm == Norm::L2;
    let unit = display_scale(norm);
    let label = sweep.label;
    let curves = curves_of(&sweep, &session.settings.spec.attack.row_name(), unit);
    let current = session.settings.spec.attack.epsilon * unit;
    let class_name = session
        .card
        .as_ref()
        .and_then(|c| c.classes.get(label))
        .cloned()
        .unwrap_or_default();
    let plot = Plot::new("sweep");
    // One curve is named by the read-out under the plot; a legend would only hide a small plot.
    let plot = if curves.len() > 1 {
        plot.legend(Legend::default())
    } else {
        plot
    };
    let response = plot
        // The plot takes the strip; the read-out lines stay under it.
        .height((ui.available_height() - 22.0 * curves.len() as f32).max(80.0))
        .include_y(0.0)
        .include_y(1.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_double_click_reset(false)
        .x_axis_label(if l2 { "ε (L2)" } else { "ε (/255)" })
        .y_axis_label(format!("p({class_name})"))
        .show(ui, |plot| {
            for (name, colour, points, flip) in &curves {
                plot.line(
                    Line::new(name.as_str(), PlotPoints::from(points.clone()))
                        .color(*colour)
                        .width(2.0),
                );
                if let Some(flip) = flip {
                    let at = [flip.epsilon * unit, f64::from(flip.true_class_probability)];
                    plot.points(
                        Points::new(format!("{name}: flips"), vec![at])
                            .radius(6.0)
                            .color(*colour),
                    );
                }
            }
            plot.vline(VLine::new("current ε", current).color(theme::CURRENT_EPSILON));
            (plot.response().clicked(), plot.pointer_coordinate())
        });
    let (clicked, pointer) = response.inner;
    let response = response
        .response
        .on_hover_text("Click the curve to set ε there");
    if clicked && let Some(pointer) = pointer {
        commands.push(Command::SetEpsilon {
            epsilon: pointer.x / unit,
            run: true,
        });
    }
    for (name, colour, _, flip) in &curves {
        let flip_text = flip.map_or_else(
            || "does not flip in this range".to_string(),
            |flip| flip.describe(norm),
        );
        let text = if curves.len() > 1 {
            format!("{name}: {flip_text}")
        } else {
            format!("the prediction {flip_text}")
        };
        ui.label(RichText::new(text).color(*colour));
    }
    Some(response.rect)
}

/// The strip's title with *Play*, *Export animation…* and the second attack to draw on the
/// same axes.
fn header_ui(ui: &mut egui::Ui, session: &mut Session, commands: &mut Commands) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new("ε sweep").strong());
        let uses_epsilon = session.settings.spec.attack.kind.uses_epsilon();
        let play = if session.playing.is_some() {
            "Stop"
        } else {
            "Play"
        };
        if ui
            .add_enabled(uses_epsilon, egui::Button::new(play))
            .on_hover_text("Step ε from 0 to the slider's largest value, one result after another")
            .clicked()
        {
            commands.push(Command::TogglePlay);
        }
        let kind = session.settings.spec.attack.kind;
        if kind.replays_iterations() {
            let replay = if session.replay.is_some() {
                "Stop replay"
            } else {
                "Replay steps"
            };
            if ui
                .button(replay)
                .on_hover_text("Show this attack's steps one by one, from the clean scan to its answer (each step's image, prediction and explanation)")
                .clicked()
            {
                commands.push(Command::ToggleReplay);
            }
        }
        ui.add(
            egui::DragValue::new(&mut session.settings.play_speed)
                .range(0.25..=30.0)
                .speed(0.1)
                .suffix(" frames/s"),
        )
        .on_hover_text("How fast Play and the replay step (a slow attack plays as fast as its results come)");
        if ui
            .add_enabled(uses_epsilon, egui::Button::new("Export animation…"))
            .on_hover_text("A looping GIF for slides: 24 frames from ε 0 to the current ε, with ε and the prediction burnt in")
            .clicked()
        {
            commands.push(Command::ExportAnimation(None));
        }
        versus_ui(ui, session, commands);
    });
}

/// The menu of a second attack to sweep on the same axes ("FGSM against PGD").
fn versus_ui(ui: &mut egui::Ui, session: &mut Session, commands: &mut Commands) {
    let attack = &session.settings.spec.attack;
    if !attack.kind.sweeps() {
        return;
    }
    let choices = versus_choices(attack);
    let chosen = session
        .settings
        .sweep_versus
        .filter(|kind| choices.contains(kind));
    let mut picked = chosen;
    egui::ComboBox::from_id_salt("sweep against")
        .selected_text(chosen.map_or("+ second attack", |kind| kind.label()))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut picked, None, "none");
            for kind in choices {
                ui.selectable_value(&mut picked, Some(kind), kind.label());
            }
        })
        .response
        .on_hover_text("Draw a second attack's curve on the same axes, with its own flip point (same seed, label and region; its default steps)");
    if picked != chosen {
        session.settings.sweep_versus = picked;
        commands.push(Command::AttackChanged {
            run: false,
            sweep: true,
        });
    }
}

/// A curve to draw: its name, colour, points `[ε in display units, probability]` and flip.
type Curve = (String, egui::Color32, Vec<[f64; 2]>, Option<FlipEstimate>);

/// The model alone, then each defended curve, then the second attack's; with a second attack
/// the curves are named by their attacks.
fn curves_of(sweep: &Sweep, attack_name: &str, unit: f64) -> Vec<Curve> {
    let to_plot = |points: &[SweepPoint]| -> Vec<[f64; 2]> {
        points
            .iter()
            .map(|p| [p.epsilon * unit, f64::from(p.true_class_probability)])
            .collect()
    };
    let alone = match (&sweep.versus, sweep.defended.is_empty()) {
        (None, _) => "model alone".to_string(),
        (Some(_), true) => attack_name.to_string(),
        (Some(_), false) => format!("{attack_name}, model alone"),
    };
    let mut curves = vec![(
        alone,
        theme::SWEEP_CURVE,
        to_plot(&sweep.points),
        sweep.flip,
    )];
    for defended in &sweep.defended {
        let colour = match defended.setting {
            DefendedSetting::Unaware => theme::SWEEP_DEFENDED_UNAWARE,
            DefendedSetting::Adaptive => theme::SWEEP_DEFENDED_ADAPTIVE,
        };
        curves.push((
            defended.setting.label().to_string(),
            colour,
            to_plot(&defended.points),
            defended.flip,
        ));
    }
    if let Some(versus) = &sweep.versus {
        curves.push((
            versus.attack.row_name(),
            theme::SWEEP_VERSUS,
            to_plot(&versus.points),
            versus.flip,
        ));
    }
    curves
}
