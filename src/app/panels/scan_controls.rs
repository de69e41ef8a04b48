//! Scan controls: open (dialog, path field, drag-and-drop), bundled samples, recent files,
//! window/level presets and the frame of multi-frame DICOM.

use std::path::{Path, PathBuf};

use eframe::egui;

use crate::app::TextFields;
use crate::app::widgets::path_field_ui;
use crate::app::{Command, Commands, Session};
use crate::imaging::{ScanFormat, Window};

/// Window presets per modality: (name, centre, width).
const CT_PRESETS: [(&str, f64, f64); 4] = [
    ("Lung", -600.0, 1500.0),
    ("Soft tissue", 40.0, 400.0),
    ("Bone", 400.0, 1800.0),
    ("Brain", 40.0, 80.0),
];

pub(crate) fn sample_files() -> Vec<PathBuf> {
    let Ok(dir) = crate::resources::locate(crate::resources::Resource::SampleData) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e != "md" && e != "json"))
                // A segmentation sample's true mask is not a scan of its own.
                .filter(|p| {
                    !p.file_stem()
                        .is_some_and(|s| s.to_string_lossy().ends_with("_mask"))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Draws the scan section.
pub fn scan_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    fields: &mut TextFields,
    commands: &mut Commands,
) {
    if let Some(scan) = &session.scan {
        let meta = &scan.metadata;
        let modality = meta
            .modality
            .clone()
            .unwrap_or_else(|| format!("{:?}", meta.format).to_uppercase());
        ui.label(format!(
            "{} · {} · {}×{}",
            meta.source_name, modality, meta.width, meta.height
        ));
    }
    ui.horizontal(|ui| {
        if ui
            .button("Open scan…")
            .on_hover_text(
                "PNG, JPEG, TIFF or DICOM (Ctrl+O); you can also drop a file on the window",
            )
            .clicked()
        {
            commands.push(Command::PickScan);
        }
        egui::ComboBox::from_label("samples")
            .selected_text("Bundled")
            .show_ui(ui, |ui| {
                for path in sample_files() {
                    if ui.selectable_label(false, file_name(&path)).clicked() {
                        commands.push(Command::OpenScan(path));
                    }
                }
            });
    });
    if let Some(path) = path_field_ui(ui, "Path", "or type a path", &mut fields.path, "Open") {
        commands.push(Command::OpenScan(path));
    }
    if !session.settings.recent.is_empty() {
        egui::ComboBox::from_label("recent files")
            .selected_text("Choose…")
            .show_ui(ui, |ui| {
                for path in session.settings.recent.clone() {
                    if ui
                        .selectable_label(false, file_name(&path))
                        .on_hover_text(path.display().to_string())
                        .clicked()
                    {
                        commands.push(Command::OpenScan(path));
                    }
                }
            });
    }
    window_ui(ui, session, commands);
}

fn window_ui(ui: &mut egui::Ui, session: &mut Session, commands: &mut Commands) {
    let Some(scan) = session.scan.clone() else {
        return;
    };
    let meta = &scan.metadata;
    let frame = session.load_options.frame;
    let mut reload: Option<(usize, Option<Window>)> = None;
    ui.label("Window / level");
    ui.horizontal_wrapped(|ui| {
        if ui
            .button("Default")
            .on_hover_text("The file's window, or the data's range")
            .clicked()
        {
            reload = Some((frame, None));
        }
        let (min, max) = scan.raw.min_max();
        if ui.button("Full range").clicked() {
            reload = Some((
                frame,
                Some(Window::spanning(f64::from(min), f64::from(max))),
            ));
        }
        if ui
            .button("Auto contrast")
            .on_hover_text("Window from the 1st to the 99th percentile of the values")
            .clicked()
        {
            reload = Some((frame, Some(Window::percentiles(&scan.raw, 1.0, 99.0))));
        }
        if meta.format == ScanFormat::Dicom && meta.modality.as_deref() == Some("CT") {
            for (name, center, width) in CT_PRESETS {
                if ui.button(name).clicked() {
                    reload = Some((frame, Some(Window { center, width })));
                }
            }
        }
    });
    let mut window = meta.window;
    let (min, max) = scan.raw.min_max();
    let span = f64::from((max - min).max(1.0));
    ui.horizontal(|ui| {
        let center = ui.add(
            egui::DragValue::new(&mut window.center)
                .speed(span / 200.0)
                .prefix("level "),
        );
        let width = ui.add(
            egui::DragValue::new(&mut window.width)
                .speed(span / 200.0)
                .range(1.0..=f64::MAX)
                .prefix("width "),
        );
        if (center.drag_stopped()
            || center.lost_focus()
            || width.drag_stopped()
            || width.lost_focus())
            && window != meta.window
        {
            reload = Some((frame, Some(window)));
        }
    });
    if meta.frame_count > 1 {
        let mut chosen = frame;
        let slider = ui.add(egui::Slider::new(&mut chosen, 0..=meta.frame_count - 1).text("frame"));
        if slider.drag_stopped() || (slider.changed() && !slider.dragged()) {
            reload = Some((chosen, session.load_options.window));
        }
    }
    if let Some((frame, window)) = reload {
        commands.push(Command::Reload { frame, window });
    }
}
