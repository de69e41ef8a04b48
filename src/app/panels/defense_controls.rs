//! Defence controls: none, or one test-time defence with its parameters, and the toggle that
//! sends the attack through it (exact, BPDA or EOT). The defended adversarial image appears as a sixth
//! view, and the numbers panel shows what the defended model says on the clean and the
//! adversarial image.

use eframe::egui::{self, RichText};

use crate::app::{Command, Commands, Session};
use crate::defenses::{DefenseConfig, DefenseKind, gradient_route_through};

/// Draws the defence section.
pub fn defense_ui(ui: &mut egui::Ui, session: &mut Session, commands: &mut Commands) {
    let before = (
        session.settings.spec.defense.clone(),
        session.settings.spec.adaptive,
    );
    let text = session
        .settings
        .spec
        .defense
        .as_ref()
        .map_or("none", |d| d.kind.label());
    egui::ComboBox::from_label("defence")
        .selected_text(text)
        .height(f32::INFINITY) // all defences at once, no scrolling
        .show_ui(ui, |ui| {
            if ui
                .selectable_label(session.settings.spec.defense.is_none(), "none")
                .clicked()
            {
                session.settings.spec.defense = None;
            }
            for kind in DefenseKind::ALL {
                let selected = session
                    .settings
                    .spec
                    .defense
                    .as_ref()
                    .is_some_and(|d| d.kind == kind);
                if ui
                    .selectable_label(selected, kind.label())
                    .on_hover_text(kind.explanation())
                    .clicked()
                    && !selected
                {
                    session.settings.spec.defense = Some(DefenseConfig::new(kind));
                }
            }
        });
    if let Some(defense) = &mut session.settings.spec.defense {
        ui.label(RichText::new(defense.kind.explanation()).weak());
        parameter_sliders(ui, defense);
        if defense.kind.is_classical_baseline() {
            ui.label(
                RichText::new("Classical baseline, not taken from the seed surveys")
                    .weak()
                    .italics(),
            );
        }
        let route = gradient_route_through(defense, session.settings.spec.attack.kind);
        let hint = format!("The attacker knows the defence. Gradient: {route}.");
        ui.checkbox(
            &mut session.settings.spec.adaptive,
            "Attack through the defence",
        )
        .on_hover_text(hint);
    }
    if (
        session.settings.spec.defense.clone(),
        session.settings.spec.adaptive,
    ) != before
    {
        let cheap = !session.settings.spec.attack.kind.is_iterative();
        commands.push(Command::AttackChanged {
            run: cheap,
            sweep: false,
        });
    }
}

/// The sliders of the chosen defence's parameters.
fn parameter_sliders(ui: &mut egui::Ui, defense: &mut DefenseConfig) {
    match defense.kind {
        DefenseKind::Jpeg => {
            ui.add(egui::Slider::new(&mut defense.jpeg_quality, 5..=100).text("quality"));
        }
        DefenseKind::Median => {
            ui.add(
                egui::Slider::new(&mut defense.median_size, 3..=9)
                    .step_by(2.0)
                    .text("size"),
            );
        }
        DefenseKind::GaussianBlur => {
            ui.add(egui::Slider::new(&mut defense.blur_sigma, 0.2..=3.0).text("σ (pixels)"));
        }
        DefenseKind::BitDepth => {
            ui.add(egui::Slider::new(&mut defense.bits, 1..=8).text("bits"));
        }
        DefenseKind::TvDenoise => {
            ui.add(
                egui::Slider::new(&mut defense.tv_weight, 0.01..=0.5)
                    .logarithmic(true)
                    .text("weight"),
            );
        }
        DefenseKind::Wavelet => {
            ui.add(egui::Slider::new(&mut defense.wavelet_levels, 1..=5).text("levels"));
            ui.add(
                egui::Slider::new(&mut defense.wavelet_sigma, 0.0..=0.2)
                    .text("noise σ (0 = estimate)"),
            );
        }
        DefenseKind::PixelDeflection => {
            ui.add(
                egui::Slider::new(&mut defense.deflections, 10..=2000)
                    .logarithmic(true)
                    .text("pixels"),
            );
            ui.add(egui::Slider::new(&mut defense.deflection_window, 1..=20).text("window"));
        }
        DefenseKind::MedRdf => {
            ui.add(egui::Slider::new(&mut defense.medrdf_copies, 1..=51).text("copies"));
            ui.add(egui::Slider::new(&mut defense.medrdf_sigma, 0.0..=0.2).text("noise σ"));
            ui.add(
                egui::Slider::new(&mut defense.tv_weight, 0.01..=0.5)
                    .logarithmic(true)
                    .text("TV weight"),
            );
        }
        DefenseKind::Smoothing => {
            ui.add(egui::Slider::new(&mut defense.smoothing_sigma, 0.05..=1.0).text("noise σ"));
            ui.add(
                egui::Slider::new(&mut defense.smoothing_samples, 50..=2000)
                    .logarithmic(true)
                    .text("samples n"),
            );
            ui.add(
                egui::Slider::new(&mut defense.smoothing_alpha, 0.0001..=0.05)
                    .logarithmic(true)
                    .text("α"),
            );
        }
    }
}
