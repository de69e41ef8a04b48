//! The attack's region: draw a rectangle on the original view so that the attack may change
//! only the pixels inside it ("can a change confined to the lung fields flip this?"), see what
//! share of the image that is, and clear it.

use eframe::egui::{self, RichText};

use crate::app::{Command, Commands};
use crate::attacks::{AttackConfig, accepts_region};

/// Draws the region row of the attack section.
pub fn region_ui(ui: &mut egui::Ui, attack: &AttackConfig, drawing: bool, commands: &mut Commands) {
    let accepted = accepts_region(attack.kind);
    ui.horizontal_wrapped(|ui| {
        if drawing {
            ui.label(RichText::new("Drag a rectangle on the Original view…").strong());
            if ui.button("Stop drawing").clicked() {
                commands.push(Command::ToggleRegionDrawing);
            }
            return;
        }
        let draw = ui
            .add_enabled(accepted, egui::Button::new("Draw region"))
            .on_hover_text("Confine the attack to a rectangle: δ is exactly 0 outside it")
            .on_disabled_hover_text(format!(
                "{} searches by scores or applies a fitted pattern: it does not take a region",
                attack.kind.label()
            ));
        if draw.clicked() {
            commands.push(Command::ToggleRegionDrawing);
        }
        if let Some(region) = attack.region {
            // The rectangle's area; the numbers panel gives the exact share of model pixels.
            let share = (region.right - region.left) * (region.bottom - region.top);
            ui.label(format!("region: {:.0} % of the image", share * 100.0));
            if ui.button("Clear region").clicked() {
                commands.push(Command::SetRegion(None));
            }
            if !accepted {
                ui.label(
                    RichText::new(format!(
                        "{} does not take a region: clear it to run",
                        attack.kind.label()
                    ))
                    .color(ui.visuals().warn_fg_color),
                );
            }
        }
    });
}
