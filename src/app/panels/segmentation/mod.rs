//! The segmentation view: the form on the left (segmenter, scan, true mask, pixel size, attack
//! on the mask); in the centre the numbers (Dice against the reference and against the clean
//! prediction, mean IoU, HD95, head circumference before and after) over a grid of the seven
//! pictures and the Dice-vs-ε curve with the ε at which Dice halves.

mod form;
mod pictures;

use eframe::egui::{self, RichText};
use egui_plot::{Legend, Line, Plot, PlotPoints, VLine};

pub use pictures::SegmentationPictures;

use crate::app::segmentation_session::SegmentationSession;
use crate::app::{Commands, theme};
use crate::segment::dice_halving_epsilon;

/// Draws the segmentation view.
pub fn segmentation_ui(
    ui: &mut egui::Ui,
    segmentation: &mut SegmentationSession,
    pictures: &mut SegmentationPictures,
    commands: &mut Commands,
) {
    egui::Panel::left("segmentation-form")
        .default_size(320.0)
        .resizable(true)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| form::form_ui(ui, segmentation, commands));
        });
    egui::CentralPanel::default_margins().show(ui, |ui| {
        if let Some(error) = &segmentation.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        let Some((scan_name, result)) = segmentation.result.clone() else {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() / 3.0);
                let text = if segmentation.segmenters.is_empty() {
                    "No segmenter is installed (assets/segmenters/)"
                } else if segmentation.waiting() {
                    "Segmenting…"
                } else {
                    "Choose a scan on the left"
                };
                ui.label(RichText::new(text).heading());
            });
            return;
        };
        numbers_ui(ui, &scan_name, &result, segmentation.waiting());
        ui.separator();
        let textures = pictures.textures(ui.ctx(), segmentation.result_id, &result);
        let gap = 8.0;
        let cell_width = ((ui.available_width() - 3.0 * gap) / 4.0).max(60.0);
        let cell = cell_width
            .min((ui.available_height() - 2.0 * 24.0 - gap) / 2.0)
            .max(60.0);
        egui::Grid::new("segmentation-grid")
            .spacing([gap, gap])
            .show(ui, |ui| {
                for (index, (title, texture)) in textures.iter().enumerate() {
                    ui.vertical(|ui| {
                        ui.label(RichText::new(*title).strong());
                        ui.add(egui::Image::new(texture).fit_to_exact_size(egui::vec2(cell, cell)));
                    });
                    if index == 3 {
                        ui.end_row();
                    }
                }
                ui.vertical(|ui| {
                    ui.label(RichText::new("Dice against the reference vs ε").strong());
                    let halves = segmentation
                        .sweep
                        .as_deref()
                        .and_then(dice_halving_epsilon)
                        .map_or_else(
                            || "Dice does not halve in this range".to_string(),
                            |e| format!("Dice halves at ε = {:.2}/255", e * 255.0),
                        );
                    ui.label(halves);
                    if let Some(defended) = &segmentation.sweep_defended {
                        let behind = dice_halving_epsilon(defended).map_or_else(
                            || "does not halve".to_string(),
                            |e| format!("halves at ε = {:.2}/255", e * 255.0),
                        );
                        ui.label(format!("behind the defence, Dice {behind}"));
                    }
                    sweep_ui(ui, segmentation, cell);
                });
                ui.end_row();
            });
    });
}

/// The defended curve's name: the defence and whether the attack knows of it.
fn defended_curve_name(segmentation: &SegmentationSession) -> String {
    let knows = if segmentation.choices.adaptive {
        "adaptive"
    } else {
        "unaware"
    };
    format!("behind {} ({knows} attack)", segmentation.choices.defense)
}

/// Dice, mean IoU, areas and the head circumference, clean and attacked.
fn numbers_ui(
    ui: &mut egui::Ui,
    scan_name: &str,
    result: &crate::segment::SegmentationResult,
    waiting: bool,
) {
    let reference = if result.reference_given {
        "the sonographer's mask"
    } else {
        "the clean prediction"
    };
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(scan_name).strong());
        ui.label(format!(
            "· {}",
            result.attack.as_deref().unwrap_or("no attack")
        ));
        if waiting {
            ui.spinner();
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(format!(
                "Dice against {reference}: {:.3} clean → {:.3} attacked",
                result.clean_dice, result.adversarial_dice
            ))
            .size(18.0),
        );
        ui.separator();
        if result.reference_given {
            ui.label(format!(
                "against the clean prediction {:.3}",
                result.dice_to_clean
            ));
            ui.separator();
        }
        ui.label(format!("mIoU {:.3}", result.adversarial_mean_iou));
        ui.separator();
        ui.label(result.adversarial_hd95.map_or_else(
            || "HD95: one mask is empty".to_string(),
            |px| format!("HD95 {px:.1} px"),
        ));
        ui.separator();
        ui.label(format!(
            "largest pixel change {:.2}/255",
            result.linf * 255.0
        ));
    });
    let circumference = match (result.clean_hc_mm, result.adversarial_hc_mm) {
        (Some(clean), Some(attacked)) => format!(
            "Head circumference {clean:.1} mm clean → {attacked:.1} mm attacked ({:+.1} mm)",
            attacked - clean
        ),
        (Some(clean), None) => {
            format!("Head circumference {clean:.1} mm clean → no head found when attacked")
        }
        (None, _) if result.clean_probability.iter().all(|&p| p <= 0.5) => {
            "No head found in the clean scan".to_string()
        }
        (None, _) => "Head circumference: unknown pixel size (set it on the left)".to_string(),
    };
    ui.label(RichText::new(circumference).size(18.0));
    if let Some(defended) = &result.defended {
        ui.label(
            RichText::new(format!(
                "Behind {} ({} attack): Dice {:.3}, head circumference {}",
                defended.defense,
                if defended.adaptive {
                    "adaptive"
                } else {
                    "unaware"
                },
                defended.dice,
                defended
                    .hc_mm
                    .map_or_else(|| "not measured".to_string(), |mm| format!("{mm:.1} mm"))
            ))
            .size(16.0),
        );
    }
}

/// The Dice-vs-ε curve of the current attack, with the current ε marked.
fn sweep_ui(ui: &mut egui::Ui, segmentation: &SegmentationSession, size: f32) {
    let Some(points) = &segmentation.sweep else {
        ui.label(if segmentation.choices.attack.is_some() {
            "computing the curve…"
        } else {
            "choose an attack to see the curve"
        });
        return;
    };
    let curve: Vec<[f64; 2]> = points
        .iter()
        .map(|&(e, d)| [e * 255.0, f64::from(d)])
        .collect();
    Plot::new("segmentation-sweep")
        .width(size)
        .height(size)
        .legend(Legend::default())
        .include_y(0.0)
        .include_y(1.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .x_axis_label("ε (/255)")
        .y_axis_label("Dice")
        .show(ui, |plot| {
            plot.line(Line::new("Dice", PlotPoints::from(curve)).width(2.0));
            if let Some(defended) = &segmentation.sweep_defended {
                let behind: Vec<[f64; 2]> = defended
                    .iter()
                    .map(|&(e, d)| [e * 255.0, f64::from(d)])
                    .collect();
                plot.line(
                    Line::new(defended_curve_name(segmentation), PlotPoints::from(behind))
                        .color(theme::SWEEP_DEFENDED_ADAPTIVE)
                        .width(2.0),
                );
            }
            if let Some(half) = dice_halving_epsilon(points) {
                plot.vline(
                    VLine::new(
                        format!("Dice halves at {:.2}/255", half * 255.0),
                        half * 255.0,
                    )
                    .color(egui::Color32::LIGHT_RED),
                );
            }
            plot.vline(
                VLine::new("current ε", f64::from(segmentation.choices.epsilon_255))
                    .color(theme::CURRENT_EPSILON),
            );
        });
}
