//! The segmentation form: which segmenter, which scan (a bundled ultrasound sample or any
//! file), whether to compare with the true mask beside it, the pixel size, and the attack on
//! the mask with its loss, ε, steps and seed. Editing a choice is all it does: the app sends a
//! new request whenever the choices change.

use eframe::egui::{self, RichText};

use crate::app::panels::scan_controls::sample_files;
use crate::app::segmentation_session::{SegmentationChoices, SegmentationSession};
use crate::app::{Command, Commands};
use crate::attacks::AttackKind;
use crate::segment::{SEGMENTATION_ATTACKS, SegmentationLoss, TargetMask};

/// The defences offered, as text and as named in the menu.
const DEFENCES: [(&str, &str); 6] = [
    ("", "none"),
    ("median:3", "Median filter 3×3"),
    ("blur:1", "Gaussian blur σ 1"),
    ("jpeg:75", "JPEG quality 75"),
    ("bits:4", "Bit depth 4"),
    ("tv:0.08", "TV denoising 0.08"),
];

/// The losses offered, with their names in the menu.
const LOSSES: [(SegmentationLoss, &str); 6] = [
    (SegmentationLoss::Dice, "Dice loss (untargeted)"),
    (SegmentationLoss::Bce, "BCE loss (untargeted)"),
    (
        SegmentationLoss::Target(TargetMask::Empty),
        "Target: remove the head",
    ),
    (
        SegmentationLoss::Target(TargetMask::Grown(6)),
        "Target: grow it by 6 px",
    ),
    (
        SegmentationLoss::Target(TargetMask::Grown(-6)),
        "Target: shrink it by 6 px",
    ),
    (
        SegmentationLoss::Target(TargetMask::Shifted(10, 0)),
        "Target: move it 10 px right",
    ),
];

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Draws the form.
pub fn form_ui(ui: &mut egui::Ui, segmentation: &mut SegmentationSession, commands: &mut Commands) {
    ui.heading("Segmentation");
    ui.label("A U-Net outlines the fetal head; the attack changes the scan to break the outline.");
    ui.add_space(6.0);
    let choices = &mut segmentation.choices;
    egui::ComboBox::from_label("segmenter")
        .selected_text(choices.model.clone())
        .show_ui(ui, |ui| {
            for card in &segmentation.segmenters {
                ui.selectable_value(
                    &mut choices.model,
                    card.name.clone(),
                    format!("{} (test Dice {:.3})", card.name, card.test.dice),
                );
            }
        });
    ui.add_space(6.0);
    let shown = choices
        .scan
        .as_deref()
        .map_or_else(|| "none".to_string(), file_name);
    let mut picked = None;
    egui::ComboBox::from_label("ultrasound sample")
        .selected_text(shown)
        .show_ui(ui, |ui| {
            for path in sample_files()
                .into_iter()
                .filter(|p| file_name(p).starts_with("fetal_head"))
            {
                if ui
                    .selectable_label(choices.scan.as_ref() == Some(&path), file_name(&path))
                    .clicked()
                {
                    picked = Some(path);
                }
            }
        });
    if ui.button("Open a scan…").clicked() {
        commands.push(Command::PickSegmentationScan);
    }
    if let Some(path) = picked {
        segmentation.choose_scan(path);
    }
    reference_ui(ui, segmentation);
    attack_ui(ui, &mut segmentation.choices);
    defense_ui(ui, &mut segmentation.choices);
    ui.add_space(8.0);
    if ui
        .add_enabled(segmentation.result.is_some(), egui::Button::new("Export…"))
        .on_hover_text(
            "the three-panel figure, both masks, the attacked scan and segmentation.json",
        )
        .clicked()
    {
        commands.push(Command::ExportSegmentation(None));
    }
}

/// The true mask to compare with and the pixel size.
fn reference_ui(ui: &mut egui::Ui, segmentation: &mut SegmentationSession) {
    let mask = segmentation.mask_file();
    let choices = &mut segmentation.choices;
    match &mask {
        Some(mask) => {
            ui.checkbox(
                &mut choices.use_mask,
                format!("Compare with the true mask ({})", file_name(mask)),
            );
        }
        None => {
            ui.label(
                RichText::new(
                    "No true mask beside this scan: scores compare with the clean prediction.",
                )
                .weak(),
            );
        }
    }
    let mut known = choices.pixel_size_mm.is_some();
    ui.horizontal(|ui| {
        ui.checkbox(&mut known, "Pixel size");
        let mut mm = choices.pixel_size_mm.unwrap_or(0.5);
        ui.add_enabled(
            known,
            egui::DragValue::new(&mut mm)
                .range(0.01..=10.0)
                .speed(0.005)
                .suffix(" mm"),
        );
        choices.pixel_size_mm = known.then_some(mm);
    });
}

/// The attack on the mask, its loss, ε, steps and seed, and the range of the curve.
fn attack_ui(ui: &mut egui::Ui, choices: &mut SegmentationChoices) {
    ui.add_space(6.0);
    ui.label(RichText::new("Attack on the mask").strong());
    egui::ComboBox::from_label("attack")
        .selected_text(
            choices
                .attack
                .map_or_else(|| "none".to_string(), attack_name),
        )
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut choices.attack, None, "none");
            for kind in SEGMENTATION_ATTACKS {
                ui.selectable_value(&mut choices.attack, Some(kind), attack_name(kind));
            }
        });
    if choices.attack.is_none() {
        return;
    }
    let loss_name = LOSSES
        .iter()
        .find(|(loss, _)| *loss == choices.loss)
        .map_or_else(|| choices.loss.to_string(), |(_, name)| (*name).to_string());
    egui::ComboBox::from_label("loss")
        .selected_text(loss_name)
        .show_ui(ui, |ui| {
            for (loss, name) in LOSSES {
                ui.selectable_value(&mut choices.loss, loss, name);
            }
        });
    ui.add(
        egui::Slider::new(&mut choices.epsilon_255, 0.0..=16.0)
            .step_by(0.25)
            .text("ε (/255)"),
    );
    if choices.attack != Some(AttackKind::Fgsm) {
        ui.add(egui::Slider::new(&mut choices.steps, 1..=40).text("steps"));
    }
    if matches!(choices.attack, Some(AttackKind::Pgd | AttackKind::ApgdCe)) {
        ui.add(egui::DragValue::new(&mut choices.seed).prefix("seed "));
    }
    if choices.attack == Some(AttackKind::ApgdCe) {
        ui.label(RichText::new("APGD sets its own step: 2ε, halved when the loss stalls").small());
    }
    region_ui(ui, choices);
    ui.add(
        egui::Slider::new(&mut choices.sweep_max_255, 1.0..=32.0)
            .step_by(1.0)
            .text("curve up to ε (/255)"),
    );
}

/// An attack family's name in the menu (APGD's loss is the one chosen below, not CE).
fn attack_name(kind: AttackKind) -> String {
    if kind == AttackKind::ApgdCe {
        "APGD".to_string()
    } else {
        kind.to_string().to_uppercase()
    }
}

/// The rectangle the attack is confined to, typed as fractions of the image; a text that is not
/// one says why (and nothing runs until it is mended or cleared).
fn region_ui(ui: &mut egui::Ui, choices: &mut SegmentationChoices) {
    ui.horizontal(|ui| {
        ui.label("region");
        ui.add(
            egui::TextEdit::singleline(&mut choices.region)
                .hint_text("whole image, or left,top,right,bottom")
                .desired_width(170.0),
        )
        .on_hover_text("Confine the attack to a rectangle in fractions of the image, e.g. 0.25,0.25,0.75,0.75 around the head: δ is exactly 0 outside it");
    });
    if let Err(err) = choices.parsed_region() {
        ui.label(RichText::new(format!("Region: {err}")).color(crate::app::theme::WARNING));
    }
}

/// The test-time defence in front of the segmenter.
fn defense_ui(ui: &mut egui::Ui, choices: &mut SegmentationChoices) {
    ui.add_space(6.0);
    ui.label(RichText::new("Defence").strong());
    let shown = DEFENCES
        .iter()
        .find(|(text, _)| *text == choices.defense)
        .map_or_else(|| choices.defense.clone(), |(_, name)| (*name).to_string());
    egui::ComboBox::from_label("defence")
        .selected_text(shown)
        .show_ui(ui, |ui| {
            for (text, name) in DEFENCES {
                ui.selectable_value(&mut choices.defense, text.to_string(), name);
            }
        });
    if !choices.defense.is_empty() {
        ui.checkbox(&mut choices.adaptive, "attack knows the defence")
            .on_hover_text("Adaptive: the attack's gradient goes through the defence (exactly where it is differentiable, by BPDA otherwise, over several draws of a random one); unticked it attacks the segmenter alone and the defence only cleans the result");
    }
}
