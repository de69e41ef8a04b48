//! The comparison figure for slides: the five views side by side (nearest-neighbour enlarged),
//! the predictions and metrics in words, and the ε-sweep curve, drawn with plotters into one
//! RGB image.

use plotters::prelude::*;
use plotters::style::FontStyle;

use super::tile::{TilePlace, paint_tile};
use super::{ExportError, ViewKind};
use crate::pipeline::AttackResult;
use crate::pipeline::sweep::Sweep;

/// Side of each view in the figure, in pixels.
const TILE: u32 = 256;
/// Space around and between tiles.
const MARGIN: u32 = 16;
/// Height of the title band.
const HEADER: u32 = 56;
/// Height of the text band under the tiles.
const CAPTION: u32 = 84;
/// Height of the sweep chart.
const CHART: u32 = 240;

/// What the figure shows.
pub struct FigureInput<'a> {
    /// The result.
    pub result: &'a AttackResult,
    /// Model name.
    pub model: &'a str,
    /// Class names.
    pub classes: &'a [String],
    /// Grad-CAM overlay opacity.
    pub opacity: f32,
    /// The sweep curve, if computed.
    pub sweep: Option<&'a Sweep>,
    /// The attack in words (e.g. "PGD (L∞), ε = 2/255, 20 steps").
    pub attack: String,
    /// Credit line for the image (licence attribution), if any.
    pub credit: Option<String>,
}

pub(super) fn register_font() {
    // Registering twice is harmless and the bundled egui font always parses, so a failure
    // here cannot happen in a way that matters.
    plotters::style::register_font(
        "sans-serif",
        FontStyle::Normal,
        epaint_default_fonts::UBUNTU_LIGHT,
    )
    .ok();
}

/// Renders the figure; returns width, height and RGB bytes.
///
/// # Errors
/// [`ExportError::Write`] if drawing fails.
pub fn comparison_figure(input: &FigureInput<'_>) -> Result<(u32, u32, Vec<u8>), ExportError> {
    register_font();
    let columns = ViewKind::shown(input.result).len() as u32;
    let width = columns * TILE + (columns + 1) * MARGIN;
    let chart_height = if input.sweep.is_some() {
        CHART + MARGIN
    } else {
        0
    };
    let height = HEADER + TILE + CAPTION + chart_height + MARGIN;
    let mut buffer = vec![255u8; (width * height * 3) as usize];
    paint_tiles(&mut buffer, width, input);
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        draw_text(&root, input).map_err(draw_error)?;
        if let Some(sweep) = input.sweep {
            let top = (HEADER + TILE + CAPTION) as i32;
            let area = root
                .clone()
                .shrink((MARGIN, top as u32), (width - 2 * MARGIN, CHART));
            draw_sweep(&area, sweep, input).map_err(draw_error)?;
        }
        root.present().map_err(draw_error)?;
    }
    Ok((width, height, buffer))
}

fn draw_error(err: impl std::fmt::Display) -> ExportError {
    ExportError::Write {
        reason: err.to_string(),
        path: "figure".to_string(),
    }
}

fn paint_tiles(buffer: &mut [u8], width: u32, input: &FigureInput<'_>) {
    let result = input.result;
    for (column, kind) in ViewKind::shown(result).iter().enumerate() {
        let (base, extra) = kind.images(result);
        let mode = kind.mode(result, input.opacity);
        let place = TilePlace {
            page_width: width,
            left: MARGIN + column as u32 * (TILE + MARGIN),
            top: HEADER,
            side: TILE,
        };
        paint_tile(buffer, place, base, extra, mode);
    }
}

fn percent(probs: &[f32], label: usize) -> f32 {
    100.0 * probs.get(label).copied().unwrap_or(0.0)
}

fn draw_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    input: &FigureInput<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let result = input.result;
    let title = TextStyle::from(("sans-serif", 26).into_font()).color(&BLACK);
    let label = TextStyle::from(("sans-serif", 18).into_font()).color(&BLACK);
    let small = TextStyle::from(("sans-serif", 15).into_font()).color(&RGBColor(70, 70, 70));
    let verdict = result.outcome().verdict(result, input.classes);
    root.draw_text(
        &format!("{} on {}: {verdict}", input.attack, input.model),
        &title,
        (MARGIN as i32, 14),
    )?;
    for (column, kind) in ViewKind::shown(result).iter().enumerate() {
        let left = (MARGIN + column as u32 * (TILE + MARGIN)) as i32;
        let text = match kind {
            ViewKind::Original => format!(
                "Original: {} {:.1}%",
                result.clean.class_name,
                percent(&result.clean.probs, result.clean.label)
            ),
            ViewKind::Adversarial => format!(
                "Adversarial: {} {:.1}%",
                result.adversarial_prediction.class_name,
                percent(
                    &result.adversarial_prediction.probs,
                    result.adversarial_prediction.label
                )
            ),
            ViewKind::Perturbation => format!(
                "Perturbation (±{:.2}/255)",
                super::perturbation_scale(result) * 255.0
            ),
            ViewKind::Defended => result.defended.as_ref().map_or_else(String::new, |d| {
                format!(
                    "{}: {} {:.1}%{}",
                    d.defense.describe(),
                    d.adversarial.class_name,
                    percent(&d.adversarial.probs, d.adversarial.label),
                    if d.defense.kind.is_vote() {
                        " of votes"
                    } else {
                        ""
                    }
                )
            }),
            other => other.title_for(result),
        };
        root.draw_text(&text, &label, (left, (HEADER + TILE + 8) as i32))?;
    }
    let m = &result.metrics;
    let psnr = m
        .psnr_db
        .map_or_else(|| "∞".to_string(), |p| format!("{p:.1} dB"));
    let gradient = if result.defended.is_some() {
        format!(" · {}", result.gradient_route)
    } else {
        String::new()
    };
    let numbers = format!(
        "L∞ {:.2}/255 · L2 {:.3} · L0 {:.1}% of pixels · PSNR {psnr} · SSIM {:.4} · {} · {:.0} ms{gradient}",
        m.linf * 255.0,
        m.l2,
        100.0 * m.l0_fraction,
        m.ssim,
        result.device,
        result.elapsed_ms
    );
    root.draw_text(
        &numbers,
        &small,
        (MARGIN as i32, (HEADER + TILE + 38) as i32),
    )?;
    let classes = input.classes.join(", ");
    let credit = input.credit.clone().unwrap_or_default();
    let footer = format!(
        "Classes: {classes}. {credit} Made with advlens {}.",
        env!("CARGO_PKG_VERSION")
    );
    root.draw_text(
        &footer,
        &small,
        (MARGIN as i32, (HEADER + TILE + 60) as i32),
    )?;
    Ok(())
}

fn draw_sweep<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    sweep: &Sweep,
    input: &FigureInput<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let result = input.result;
    let points = &sweep.points;
    let norm = result.attack.norm();
    let l2 = norm == crate::attacks::Norm::L2;
    let unit = crate::attacks::display_scale(norm);
    let max_x = points.last().map_or(1.0, |p| p.epsilon * unit).max(1e-6);
    let class = input.classes.get(sweep.label).cloned().unwrap_or_default();
    let flip_text = sweep.flip.map_or_else(
        || "no flip in this range".to_string(),
        |flip| flip.describe(norm),
    );
    let axis = match (l2, result.defended.is_some()) {
        (true, false) => "ε (L2)",
        (false, false) => "ε (/255)",
        (true, true) => "ε (L2), model without the defence",
        (false, true) => "ε (/255), model without the defence",
    };
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(0.0..max_x, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc(format!("{axis} — {flip_text}"))
        .y_desc(format!("p({class})"))
        .label_style(("sans-serif", 15))
        .draw()?;
    chart.draw_series(LineSeries::new(
        points
            .iter()
            .map(|p| (p.epsilon * unit, f64::from(p.true_class_probability))),
        RGBColor(40, 90, 180).stroke_width(3),
    ))?;
    let current = result.attack.epsilon * unit;
    chart.draw_series(LineSeries::new(
        [(current, 0.0), (current, 1.0)],
        RGBColor(220, 160, 0).stroke_width(2),
    ))?;
    if let Some(flip) = sweep.flip {
        chart.draw_series(std::iter::once(Circle::new(
            (flip.epsilon * unit, f64::from(flip.true_class_probability)),
            7,
            RGBColor(200, 30, 30).filled(),
        )))?;
    }
    Ok(())
}
