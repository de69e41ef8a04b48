//! What the defence and the detector say: defended probabilities (or vote shares), smoothing
//! certificates, whether the attack went through the defence, and the feature-squeezing
//! scores with their verdicts.

use eframe::egui::{self, RichText};

use crate::app::theme::{self, WARNING};
use crate::app::widgets::probability_bars_ui;
use crate::attacks::GradientRoute;
use crate::defenses::Certificate;
use crate::pipeline::{DefendedOutput, Detection};

/// The defended clean and adversarial predictions; `route` is what the attack differentiated.
pub fn defended_ui(
    ui: &mut egui::Ui,
    defended: &DefendedOutput,
    route: GradientRoute,
    classes: &[String],
    clean_label: usize,
) {
    ui.add_space(4.0);
    ui.label(RichText::new(format!("With {}", defended.defense.describe())).strong());
    ui.label(RichText::new(format!("Attack gradient: {route}")).weak());
    let unit = if defended.defense.kind.is_vote() {
        " (vote shares)"
    } else {
        ""
    };
    probability_bars_ui(
        ui,
        &format!("Defended clean{unit}"),
        classes,
        &defended.clean.probs,
        theme::DEFENDED_CLEAN_BARS,
    );
    certificate_ui(ui, "clean", defended.clean_certificate.as_ref(), classes);
    probability_bars_ui(
        ui,
        &format!("Defended adversarial{unit}"),
        classes,
        &defended.adversarial.probs,
        theme::DEFENDED_ADVERSARIAL_BARS,
    );
    certificate_ui(
        ui,
        "adversarial",
        defended.adversarial_certificate.as_ref(),
        classes,
    );
    if defended.clean.label != clean_label {
        ui.label(RichText::new("The defence changes the clean prediction too").color(WARNING));
    }
}

fn certificate_ui(
    ui: &mut egui::Ui,
    which: &str,
    certificate: Option<&Certificate>,
    classes: &[String],
) {
    let Some(certificate) = certificate else {
        return;
    };
    let text = match certificate.class {
        Some(class) => format!(
            "Certified {}: {} within L2 radius {:.3} ({}/{} votes)",
            which,
            classes.get(class).map_or("?", String::as_str),
            certificate.radius,
            certificate.votes,
            certificate.samples
        ),
        None => format!(
            "Abstains on {which}: vote too close ({}/{} for the top class)",
            certificate.votes, certificate.samples
        ),
    };
    ui.label(RichText::new(text).small()).on_hover_text(
        "Randomized smoothing (Cohen et al. 2019): no L2 perturbation smaller than the radius changes the smoothed prediction, with probability at least 1 − α.",
    );
}

/// The feature-squeezing scores and verdicts.
pub fn detection_ui(ui: &mut egui::Ui, detection: &Detection) {
    ui.add_space(4.0);
    ui.label(RichText::new("Feature-squeezing detector").strong()).on_hover_text(format!(
        "Xu et al. 2018: the largest L1 change of the probabilities under 5-bit depth reduction or a 3×3 median. The threshold flags {:.0}% of clean validation images.",
        100.0 * detection.target_fpr
    ));
    let verdict = |score: f32, flagged: bool| {
        let text = format!(
            "{score:.3} — {}",
            if flagged {
                "flagged as adversarial"
            } else {
                "passes"
            }
        );
        if flagged {
            RichText::new(text).color(WARNING)
        } else {
            RichText::new(text)
        }
    };
    egui::Grid::new("detection").num_columns(2).show(ui, |ui| {
        ui.label("clean");
        ui.label(verdict(detection.clean_score, detection.clean_flagged()));
        ui.end_row();
        ui.label("adversarial");
        ui.label(verdict(
            detection.adversarial_score,
            detection.adversarial_flagged(),
        ));
        ui.end_row();
        ui.label("threshold");
        ui.label(format!("{:.3}", detection.threshold));
        ui.end_row();
    });
}

/// The detector's block while its scores are computed after the images: the same rows, so
/// that the numbers below do not jump at every ε.
pub fn detection_pending_ui(ui: &mut egui::Ui) {
    ui.add_space(4.0);
    ui.label(RichText::new("Feature-squeezing detector").strong())
        .on_hover_text(
            "Scoring this ε: the images come first, the detector's two extra passes just after.",
        );
    egui::Grid::new("detection").num_columns(2).show(ui, |ui| {
        for row in ["clean", "adversarial", "threshold"] {
            ui.label(row);
            ui.weak("scoring…");
            ui.end_row();
        }
    });
}
