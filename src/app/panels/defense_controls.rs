//! Defence controls: none, or one of the classical test-time transforms with its parameter.
//! The defended adversarial image appears as a sixth view, and the numbers panel shows what
//! the model says on the defended clean and adversarial images.

use eframe::egui::{self, RichText};

use crate::app::{AdvlensApp, Command};
use crate::defenses::{DefenseConfig, DefenseKind};

/// Draws the defence section.
pub fn defense_ui(ui: &mut egui::Ui, app: &mut AdvlensApp) {
    let before = app.settings.defense.clone();
    let text = app
        .settings
        .defense
        .as_ref()
        .map_or("none", |d| d.kind.label());
    egui::ComboBox::from_label("defence")
        .selected_text(text)
        .show_ui(ui, |ui| {
            if ui
                .selectable_label(app.settings.defense.is_none(), "none")
                .clicked()
            {
                app.settings.defense = None;
            }
            for kind in DefenseKind::ALL {
                let selected = app
                    .settings
                    .defense
                    .as_ref()
                    .is_some_and(|d| d.kind == kind);
                if ui
                    .selectable_label(selected, kind.label())
                    .on_hover_text(kind.explanation())
                    .clicked()
                    && !selected
                {
                    app.settings.defense = Some(DefenseConfig::new(kind));
                }
            }
        });
    if let Some(defense) = &mut app.settings.defense {
        ui.label(RichText::new(defense.kind.explanation()).weak());
        match defense.kind {
            DefenseKind::Jpeg => {
                ui.add(egui::Slider::new(&mut defense.jpeg_quality, 5..=100).text("quality"))
            }
            DefenseKind::Median => ui.add(
                egui::Slider::new(&mut defense.median_size, 3..=9)
                    .step_by(2.0)
                    .text("size"),
            ),
            DefenseKind::GaussianBlur => {
                ui.add(egui::Slider::new(&mut defense.blur_sigma, 0.2..=3.0).text("σ (pixels)"))
            }
            DefenseKind::BitDepth => {
                ui.add(egui::Slider::new(&mut defense.bits, 1..=8).text("bits"))
            }
        };
        ui.label(
            RichText::new("Classical baseline, not taken from the seed surveys")
                .weak()
                .italics(),
        );
    }
    if app.settings.defense != before {
        let cheap = !app.settings.attack.kind.is_iterative();
        app.push(Command::AttackChanged {
            run: cheap,
            sweep: false,
        });
    }
}
