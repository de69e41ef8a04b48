//! The explanation atlas: every method's map of the clean and of the adversarial image on one
//! page (six methods a row, the clean map above the adversarial one), each overlaid on its
//! image in viridis and captioned with how far it moved (Spearman ρ and top-10 % IoU between
//! the two maps).

use plotters::prelude::*;

use super::figure::register_font;
use super::tile::{TilePlace, paint_tile};
use super::{ColorMode, ExportError};
use crate::imaging::GreyImage;
use crate::pipeline::AtlasEntry;

/// Side of each map in the atlas, in pixels.
const TILE: u32 = 168;
/// Space between tiles.
const GAP: u32 = 10;
/// Width of the row labels on the left.
const LABELS: u32 = 150;
/// Height of the title band.
const HEADER: u32 = 64;
/// Height of a method's name above its pair.
const NAME: u32 = 26;
/// Height of the caption under a pair.
const CAPTION: u32 = 26;
/// Methods per row.
const COLUMNS: u32 = 6;
/// Overlay strength.
const OPACITY: f32 = 0.6;

/// What the atlas shows.
pub struct AtlasInput<'a> {
    /// The maps.
    pub entries: &'a [AtlasEntry],
    /// The clean image (model input).
    pub clean: &'a GreyImage,
    /// The adversarial image.
    pub adversarial: &'a GreyImage,
    /// The title line (scan, model, attack, verdict).
    pub title: String,
    /// The row labels: the clean and the adversarial map, with the class each explains.
    pub row_labels: [String; 2],
}

/// Renders the atlas; returns width, height and RGB bytes.
///
/// # Errors
/// [`ExportError::Write`] if drawing fails.
pub fn explanation_atlas_figure(
    input: &AtlasInput<'_>,
) -> Result<(u32, u32, Vec<u8>), ExportError> {
    register_font();
    let rows = (input.entries.len() as u32).div_ceil(COLUMNS).max(1);
    let width = LABELS + COLUMNS * (TILE + GAP) + GAP;
    let band = NAME + 2 * TILE + GAP + CAPTION;
    let height = HEADER + rows * band + GAP;
    let mut buffer = vec![255u8; (width * height * 3) as usize];
    for (index, entry) in input.entries.iter().enumerate() {
        let (left, top) = tile_origin(index as u32);
        let overlay = ColorMode::Overlay { opacity: OPACITY };
        let place = |top: u32| TilePlace {
            page_width: width,
            left,
            top,
            side: TILE,
        };
        paint_tile(&mut buffer, place(top), input.clean, &entry.clean, overlay);
        paint_tile(
            &mut buffer,
            place(top + TILE + GAP),
            input.adversarial,
            &entry.adversarial,
            overlay,
        );
    }
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        draw_text(&root, input, rows).map_err(|err| ExportError::Write {
            reason: err.to_string(),
            path: "explanation atlas".to_string(),
        })?;
        root.present().map_err(|err| ExportError::Write {
            reason: err.to_string(),
            path: "explanation atlas".to_string(),
        })?;
    }
    Ok((width, height, buffer))
}

/// Top-left corner of the clean tile of the `index`-th method.
fn tile_origin(index: u32) -> (u32, u32) {
    let (row, column) = (index / COLUMNS, index % COLUMNS);
    let band = NAME + 2 * TILE + GAP + CAPTION;
    (
        LABELS + GAP + column * (TILE + GAP),
        HEADER + row * band + NAME,
    )
}

fn draw_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    input: &AtlasInput<'_>,
    rows: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let title = TextStyle::from(("sans-serif", 24).into_font()).color(&BLACK);
    let name = TextStyle::from(("sans-serif", 18).into_font()).color(&BLACK);
    let small = TextStyle::from(("sans-serif", 15).into_font()).color(&RGBColor(70, 70, 70));
    // The figure's font has no arrow glyph.
    root.draw_text(&input.title.replace('→', "->"), &title, (GAP as i32, 18))?;
    for row in 0..rows {
        let (_, top) = tile_origin(row * COLUMNS);
        for (offset, label) in [0, TILE + GAP].into_iter().zip(&input.row_labels) {
            let y = (top + offset + TILE / 2) as i32;
            for (line, part) in label.split('\n').enumerate() {
                root.draw_text(part, &small, (GAP as i32, y - 10 + 18 * line as i32))?;
            }
        }
    }
    for (index, entry) in input.entries.iter().enumerate() {
        let (left, top) = tile_origin(index as u32);
        root.draw_text(
            entry.method.label(),
            &name,
            (left as i32, (top - NAME + 3) as i32),
        )?;
        root.draw_text(
            &format!(
                "ρ {:.2} · top-10 % IoU {:.2}",
                entry.shift.spearman, entry.shift.top_iou
            ),
            &small,
            (left as i32, (top + 2 * TILE + GAP + 5) as i32),
        )?;
    }
    Ok(())
}
