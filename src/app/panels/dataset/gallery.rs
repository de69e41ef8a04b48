//! The failure gallery: the scans the shown attack flips, most fragile first, filterable by
//! true class and by the class the attack turned them into; each card shows the scan and its
//! adversarial twin, the flipping ε and the fall in confidence, and opens the scan in the
//! workbench when clicked.

use std::collections::HashMap;

use eframe::egui::{self, ColorImage, RichText, TextureHandle, TextureOptions};

use crate::app::{Command, Commands, DatasetSession};
use crate::attacks::format_epsilon;
use crate::eval::ScanEvaluation;
use crate::export::scan_thumbnails;

/// Cards shown at most (the rest are in the report and the CSV).
const SHOWN: usize = 60;
/// Side of a thumbnail, in points.
const SIDE: f32 = 96.0;

/// The gallery's uploaded thumbnails, for one run, model and attack.
#[derive(Default)]
pub struct ThumbnailCache {
    key: (u64, usize, usize),
    textures: HashMap<usize, (TextureHandle, Option<TextureHandle>)>,
}

impl ThumbnailCache {
    /// The original and adversarial textures of record `position`.
    fn get(
        &mut self,
        ctx: &egui::Context,
        key: (u64, usize, usize),
        evaluation: &ScanEvaluation,
        position: usize,
    ) -> &(TextureHandle, Option<TextureHandle>) {
        if self.key != key {
            self.key = key;
            self.textures.clear();
        }
        self.textures.entry(position).or_insert_with(|| {
            let record = &evaluation.records[position];
            let pictures = scan_thumbnails(evaluation, position, record, key.2);
            let upload = |name: String, rgb: &[u8]| {
                ctx.load_texture(
                    name,
                    ColorImage::from_rgb(pictures.size, rgb),
                    TextureOptions::NEAREST,
                )
            };
            (
                upload(format!("gallery-{position}"), &pictures.original),
                pictures
                    .adversarial
                    .as_deref()
                    .map(|rgb| upload(format!("gallery-{position}-adv"), rgb)),
            )
        })
    }
}

/// Draws the gallery of the main evaluation.
pub fn gallery_ui(
    ui: &mut egui::Ui,
    dataset: &mut DatasetSession,
    cache: &mut ThumbnailCache,
    commands: &mut Commands,
) {
    let attack = dataset.shown_attack();
    let Some(main) = dataset.evaluations.first().cloned() else {
        return;
    };
    ui.label(
        RichText::new(format!(
            "Most fragile scans under {}",
            main.attacks[attack].name
        ))
        .strong(),
    );
    ui.horizontal(|ui| {
        class_filter(
            ui,
            "true class",
            "gallery-true",
            &main.classes,
            &mut dataset.filter_true,
        );
        class_filter(
            ui,
            "turned into",
            "gallery-predicted",
            &main.classes,
            &mut dataset.filter_predicted,
        );
    });
    let positions: HashMap<usize, usize> = main
        .records
        .iter()
        .enumerate()
        .map(|(position, record)| (record.index, position))
        .collect();
    let fragile: Vec<(usize, f64)> = main
        .most_fragile(attack)
        .into_iter()
        .filter(|(record, _)| dataset.filter_true.is_none_or(|c| record.label == c))
        .filter(|(record, _)| {
            dataset.filter_predicted.is_none_or(|c| {
                record.attacks[attack]
                    .at_flip
                    .as_ref()
                    .and_then(|e| e.judgement.predicted)
                    == Some(c)
            })
        })
        .filter_map(|(record, epsilon)| positions.get(&record.index).map(|&p| (p, epsilon)))
        .collect();
    ui.label(
        RichText::new(format!(
            "{} scans flipped (of {}); showing {} — click one to open it in the workbench",
            fragile.len(),
            main.done(),
            fragile.len().min(SHOWN)
        ))
        .weak(),
    );
    let key = (dataset.run, 0, attack);
    ui.horizontal_wrapped(|ui| {
        for &(position, epsilon) in fragile.iter().take(SHOWN) {
            card_ui(ui, &main, attack, position, epsilon, cache, key, commands);
        }
    });
}

fn class_filter(
    ui: &mut egui::Ui,
    label: &str,
    id: &str,
    classes: &[String],
    filter: &mut Option<usize>,
) {
    ui.label(label);
    egui::ComboBox::from_id_salt(id)
        .selected_text(
            filter
                .and_then(|c| classes.get(c))
                .map_or("any", String::as_str),
        )
        .show_ui(ui, |ui| {
            ui.selectable_value(filter, None, "any");
            for (index, class) in classes.iter().enumerate() {
                ui.selectable_value(filter, Some(index), class);
            }
        });
}

#[allow(clippy::too_many_arguments)] // one card: its place, its data and where it goes
fn card_ui(
    ui: &mut egui::Ui,
    evaluation: &ScanEvaluation,
    attack: usize,
    position: usize,
    epsilon: f64,
    cache: &mut ThumbnailCache,
    key: (u64, usize, usize),
    commands: &mut Commands,
) {
    let record = &evaluation.records[position];
    let (original, adversarial) = cache.get(ui.ctx(), key, evaluation, position).clone();
    let evidence = record.attacks[attack].at_flip.as_ref();
    let turned = evidence
        .and_then(|e| e.judgement.predicted)
        .and_then(|c| evaluation.classes.get(c))
        .map_or("abstained", String::as_str);
    let before = record.clean.probability_of(record.label);
    let after = evidence.map_or(before, |e| e.judgement.probability_of(record.label));
    let response = egui::Frame::group(ui.style())
        .show(ui, |ui| {
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    ui.add(egui::Image::new(&original).fit_to_exact_size(egui::vec2(SIDE, SIDE)));
                    if let Some(adversarial) = &adversarial {
                        ui.add(
                            egui::Image::new(adversarial).fit_to_exact_size(egui::vec2(SIDE, SIDE)),
                        );
                    }
                });
                ui.label(format!(
                    "#{} {} → {turned}",
                    record.index + 1,
                    evaluation.classes[record.label]
                ));
                ui.label(format!(
                    "flips at {} · p {before:.2} → {after:.2}",
                    format_epsilon(epsilon)
                ));
            });
        })
        .response
        .interact(egui::Sense::click())
        .on_hover_text("Open in the workbench with this model, attack and ε");
    if response.clicked() {
        commands.push(Command::OpenEvaluatedScan {
            evaluation: 0,
            record: position,
        });
    }
}
