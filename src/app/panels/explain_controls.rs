//! The explanation section: the method (with its one-sentence explanation), the block the CAM
//! family reads, the class both maps explain, SmoothGrad's, Integrated Gradients' and
//! occlusion's parameters, how far the map moved between the clean and the adversarial scan,
//! and, when asked for, the maps' deletion and insertion curves and the cascading-randomisation
//! sanity check.

use eframe::egui::{self, RichText};

use crate::app::{Command, Commands, Session};
use crate::explain::{Baseline, ExplainConfig, ExplainMethod, ExplainTarget};
use crate::models::Architecture;

/// Draws the explanation controls and pushes a run when they change.
pub fn explain_ui(ui: &mut egui::Ui, session: &mut Session, commands: &mut Commands) {
    let before = session.settings.spec.explain.clone();
    let (arch, classes) = session
        .card
        .as_ref()
        .map(|card| (Some(card.spec.arch), card.classes.clone()))
        .unwrap_or_default();
    let explain = &mut session.settings.spec.explain;
    egui::ComboBox::from_label("method")
        .width(190.0)
        .selected_text(explain.method.label())
        .show_ui(ui, |ui| {
            for method in ExplainMethod::ALL {
                ui.selectable_value(&mut explain.method, method, method.label());
            }
        });
    ui.label(RichText::new(explain.method.explanation()).weak());
    if explain.method.is_cam() {
        layer_menu(ui, explain, arch == Some(Architecture::Resnet18));
    }
    target_menu(ui, explain, &classes);
    method_parameters(ui, explain);
    ui.checkbox(
        &mut explain.deletion_insertion,
        "deletion / insertion curves",
    )
    .on_hover_text(
        "Measure whether each map points at what the model uses (66 more model passes per map)",
    );
    ui.checkbox(&mut explain.sanity_check, "sanity check (randomise layers)")
        .on_hover_text(
            "Redraw the clean map with the model's layers randomised from the top (Adebayo et al. 2018)",
        );
    measured_ui(ui, session);
    if session.settings.spec.explain != before {
        let cheap = !session.settings.spec.attack.kind.is_iterative();
        if !cheap {
            ui.label(RichText::new("Press Run to redraw with this method.").italics());
        }
        commands.push(Command::AttackChanged {
            run: cheap,
            sweep: false,
        });
    }
}

/// The block the CAM family reads.
fn layer_menu(ui: &mut egui::Ui, explain: &mut ExplainConfig, resnet: bool) {
    let name = |block: usize| {
        if resnet {
            format!("layer{}", block + 1)
        } else {
            format!("block {}", block + 1)
        }
    };
    let shown = explain.layer.map_or_else(|| "last block".to_string(), name);
    egui::ComboBox::from_label("layer")
        .width(190.0)
        .selected_text(shown)
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut explain.layer, None, "last block");
            for block in 0..4 {
                ui.selectable_value(&mut explain.layer, Some(block), name(block));
            }
        })
        .response
        .on_hover_text(
            "Earlier blocks see finer detail and less of the class; pytorch-grad-cam's target_layers",
        );
}

/// The class both maps explain.
fn target_menu(ui: &mut egui::Ui, explain: &mut ExplainConfig, classes: &[String]) {
    let mut targets = vec![
        ExplainTarget::Predicted,
        ExplainTarget::CleanPrediction,
        ExplainTarget::AdversarialPrediction,
        ExplainTarget::True,
    ];
    targets.extend((0..classes.len()).map(ExplainTarget::Class));
    egui::ComboBox::from_label("explains")
        .width(190.0)
        .selected_text(explain.target.describe(classes))
        .show_ui(ui, |ui| {
            for target in targets {
                ui.selectable_value(&mut explain.target, target, target.describe(classes));
            }
        })
        .response
        .on_hover_text(
            "One class for both maps makes the clean and the adversarial map comparable",
        );
}

/// SmoothGrad's, Integrated Gradients' and occlusion's parameters.
fn method_parameters(ui: &mut egui::Ui, explain: &mut ExplainConfig) {
    match explain.method {
        ExplainMethod::SmoothGrad => {
            ui.add(egui::Slider::new(&mut explain.samples, 1..=100).text("noisy copies"));
            ui.add(egui::Slider::new(&mut explain.sigma, 0.01..=0.5).text("noise σ"));
        }
        ExplainMethod::IntegratedGradients => {
            ui.add(egui::Slider::new(&mut explain.steps, 4..=128).text("steps"));
            ui.horizontal(|ui| {
                ui.label("from");
                for baseline in Baseline::ALL {
                    ui.selectable_value(&mut explain.baseline, baseline, baseline.label());
                }
            });
        }
        ExplainMethod::Occlusion => {
            ui.add(egui::Slider::new(&mut explain.occlusion_window, 4..=64).text("window (px)"));
            let window = explain.occlusion_window;
            explain.occlusion_stride = explain.occlusion_stride.clamp(1, window);
            ui.add(
                egui::Slider::new(&mut explain.occlusion_stride, 1..=window).text("stride (px)"),
            );
        }
        _ => {}
    }
}

/// The shift between the maps and, when measured, the curves and the sanity check.
fn measured_ui(ui: &mut egui::Ui, session: &Session) {
    let Some(result) = &session.result else {
        return;
    };
    let shift = result.explanation_shift;
    ui.label(format!(
        "{} moved: {}",
        result.explanation.method.label(),
        shift.summary()
    ))
    .on_hover_text(
        "Between the clean and the adversarial map: ρ = 1 and IoU = 1 mean it did not move",
    );
    if let Some(faithfulness) = &result.faithfulness {
        super::faithfulness_plot::faithfulness_ui(ui, faithfulness);
    }
    if let Some(sanity) = &result.sanity {
        super::sanity_plot::sanity_ui(ui, sanity);
    }
}
