//! The history strip: the last results as small cards (the adversarial scan, model, attack,
//! ε and verdict), newest first; a click restores that run.

use eframe::egui::{self, ColorImage, RichText, TextureHandle, TextureOptions};

use crate::app::{Command, Commands, HISTORY_THUMBNAIL, HistoryEntry};

/// The uploaded pictures of the history entries (re-uploaded when the entries change).
#[derive(Default)]
pub struct HistoryPictures {
    shown: Vec<Vec<u8>>,
    textures: Vec<TextureHandle>,
}

impl HistoryPictures {
    fn refresh(&mut self, ctx: &egui::Context, history: &[HistoryEntry]) {
        let current: Vec<Vec<u8>> = history.iter().map(|e| e.thumbnail.clone()).collect();
        if current == self.shown {
            return;
        }
        self.textures = current
            .iter()
            .enumerate()
            .map(|(index, grey)| {
                let side = HISTORY_THUMBNAIL;
                let image = if grey.len() == side * side {
                    ColorImage::from_gray([side, side], grey)
                } else {
                    ColorImage::filled([1, 1], egui::Color32::BLACK)
                };
                ctx.load_texture(format!("history-{index}"), image, TextureOptions::LINEAR)
            })
            .collect();
        self.shown = current;
    }
}

/// Draws the strip.
pub fn history_strip_ui(
    ui: &mut egui::Ui,
    history: &[HistoryEntry],
    pictures: &mut HistoryPictures,
    commands: &mut Commands,
) {
    pictures.refresh(ui.ctx(), history);
    egui::Panel::bottom("history").show(ui, |ui| {
        if history.is_empty() {
            ui.label(
                RichText::new(
                    "No results yet: they appear here as you attack scans opened from files.",
                )
                .weak(),
            );
            return;
        }
        egui::ScrollArea::horizontal().show(ui, |ui| {
            ui.horizontal(|ui| {
                for (index, (entry, texture)) in history.iter().zip(&pictures.textures).enumerate()
                {
                    let scan = entry
                        .scan
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let response = egui::Frame::group(ui.style())
                        .show(ui, |ui| {
                            ui.horizontal(|ui| {
                                ui.add(
                                    egui::Image::new(texture)
                                        .fit_to_exact_size(egui::vec2(40.0, 40.0)),
                                );
                                ui.vertical(|ui| {
                                    ui.label(
                                        RichText::new(entry.spec.attack.short_label())
                                            .small()
                                            .strong(),
                                    );
                                    ui.label(RichText::new(&entry.model).small());
                                    ui.label(RichText::new(&entry.verdict).small());
                                });
                            });
                        })
                        .response
                        .interact(egui::Sense::click())
                        .on_hover_text(format!("{scan}: click to restore this run"));
                    if response.clicked() {
                        commands.push(Command::RestoreHistory(index));
                    }
                }
            });
        });
    });
}
