//! Defence controls: none, or one test-time defence with its parameters, and the toggle that
//! sends the attack through it (exact, BPDA or EOT). The defended adversarial image appears as a sixth
//! view, and the numbers panel shows what the defended model says on the clean and the
//! adversarial image.

use eframe::egui::{self, RichText};

use crate::app::{Command, Commands, Session};
use crate::defenses::{
    BitDepthConfig, BlurConfig, DefenseConfig, DefenseKind, DeflectionConfig, JpegConfig,
    MedRdfConfig, MedianConfig, SmoothingConfig, TvConfig, WaveletConfig, gradient_route_through,
};
use crate::models::{ModelCard, SmoothingBase};

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
        if defense.kind == DefenseKind::Smoothing
            && let Some(card) = &session.card
        {
            smoothing_base_note(ui, &mut defense.smoothing, card);
        }
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
        // The sweep draws the defended curves too: a new defence redraws it.
        commands.push(Command::AttackChanged {
            run: cheap,
            sweep: true,
        });
    }
}

/// The sliders of the chosen defence's parameters; each reads its range from the defence's
/// config, the same range its validation accepts.
fn parameter_sliders(ui: &mut egui::Ui, defense: &mut DefenseConfig) {
    match defense.kind {
        DefenseKind::Jpeg => {
            let range = JpegConfig::QUALITY;
            ui.add(egui::Slider::new(&mut defense.jpeg.quality, range).text("quality"));
        }
        DefenseKind::Median => {
            let range = MedianConfig::SIZE;
            ui.add(
                egui::Slider::new(&mut defense.median.size, range)
                    .step_by(2.0)
                    .text("size"),
            );
        }
        DefenseKind::GaussianBlur => {
            let range = BlurConfig::SIGMA;
            ui.add(egui::Slider::new(&mut defense.blur.sigma, range).text("σ (pixels)"));
        }
        DefenseKind::BitDepth => {
            let range = BitDepthConfig::BITS;
            ui.add(egui::Slider::new(&mut defense.bit_depth.bits, range).text("bits"));
        }
        DefenseKind::TvDenoise => tv_weight_slider(ui, &mut defense.tv, "weight"),
        DefenseKind::Wavelet => {
            let wavelet = &mut defense.wavelet;
            ui.add(egui::Slider::new(&mut wavelet.levels, WaveletConfig::LEVELS).text("levels"));
            ui.add(
                egui::Slider::new(&mut wavelet.sigma, WaveletConfig::SIGMA)
                    .text("noise σ (0 = estimate)"),
            );
        }
        DefenseKind::PixelDeflection => {
            let deflection = &mut defense.deflection;
            ui.add(
                egui::Slider::new(&mut deflection.pixels, DeflectionConfig::PIXELS)
                    .logarithmic(true)
                    .text("pixels"),
            );
            ui.add(
                egui::Slider::new(&mut deflection.window, DeflectionConfig::WINDOW).text("window"),
            );
        }
        DefenseKind::MedRdf => {
            let medrdf = &mut defense.medrdf;
            ui.add(
                egui::Slider::new(&mut medrdf.copies, MedRdfConfig::COPIES)
                    .logarithmic(true)
                    .text("copies"),
            );
            ui.add(egui::Slider::new(&mut medrdf.sigma, MedRdfConfig::SIGMA).text("noise σ"));
            tv_weight_slider(ui, &mut defense.tv, "TV weight");
        }
        DefenseKind::Smoothing => {
            let smoothing = &mut defense.smoothing;
            ui.add(
                egui::Slider::new(&mut smoothing.sigma, SmoothingConfig::SIGMA)
                    .logarithmic(true)
                    .text("noise σ"),
            );
            ui.add(
                egui::Slider::new(&mut smoothing.samples, SmoothingConfig::SAMPLES)
                    .logarithmic(true)
                    .text("samples n"),
            );
            ui.add(
                egui::Slider::new(&mut smoothing.alpha, SmoothingConfig::ALPHA)
                    .logarithmic(true)
                    .text("α"),
            );
        }
    }
}

/// Whether the model suits smoothing at the chosen σ (trained with that noise or not), with a
/// button that sets σ to the model's training σ when they differ.
fn smoothing_base_note(ui: &mut egui::Ui, smoothing: &mut SmoothingConfig, card: &ModelCard) {
    let base = SmoothingBase::of(card, smoothing.sigma);
    let text = RichText::new(base.advice(smoothing.sigma));
    if base.is_matched() {
        ui.label(text.weak());
        return;
    }
    ui.label(text.color(ui.visuals().warn_fg_color));
    if let SmoothingBase::OtherSigma { trained } = base
        && SmoothingConfig::SIGMA.contains(&trained)
        && ui.button(format!("Use σ = {trained}")).clicked()
    {
        smoothing.sigma = trained;
    }
}

/// The total-variation weight (TV denoising, and MedRDF's denoiser).
fn tv_weight_slider(ui: &mut egui::Ui, tv: &mut TvConfig, label: &str) {
    ui.add(
        egui::Slider::new(&mut tv.weight, TvConfig::WEIGHT)
            .logarithmic(true)
            .text(label),
    );
}
