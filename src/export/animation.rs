//! The ε animation as an animated GIF for slides: each frame shows the adversarial image, the
//! perturbation (on one colour scale for every frame, ±the largest ε, so that it visibly
//! grows) and the explanation of the adversarial image, with ε and the prediction burnt in.

use std::path::Path;

use plotters::prelude::*;

use super::figure::register_font;
use super::tile::{TilePlace, paint_tile};
use super::{ColorMode, ExportError, write_atomic};
use crate::imaging::GreyImage;
use crate::pipeline::AttackResult;

/// Side of each view in a frame, in pixels.
const TILE: u32 = 240;
/// Space around and between tiles.
const GAP: u32 = 12;
/// Height of the text band above the tiles.
const HEADER: u32 = 78;
/// Overlay strength of the explanation.
const OPACITY: f32 = 0.6;

/// What the animation shows.
pub struct AnimationInput<'a> {
    /// One result per frame, ε rising.
    pub frames: &'a [AttackResult],
    /// The first line of every frame (model and attack).
    pub title: String,
    /// Frames per second.
    pub fps: f32,
}

/// Width and height of every frame.
#[must_use]
pub fn animation_frame_size() -> (u32, u32) {
    (3 * TILE + 4 * GAP, HEADER + TILE + GAP)
}

/// The number of frames of the GIF at `path` (decoding every frame, so a truncated file fails).
///
/// # Errors
/// [`ExportError::Write`] naming the file when it cannot be read or decoded.
pub fn count_gif_frames(path: &Path) -> Result<usize, ExportError> {
    let fail = |reason: String| ExportError::Write {
        reason,
        path: path.display().to_string(),
    };
    let file = std::fs::File::open(path).map_err(|err| fail(err.to_string()))?;
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder = options
        .read_info(std::io::BufReader::new(file))
        .map_err(|err| fail(err.to_string()))?;
    let mut frames = 0;
    while decoder
        .read_next_frame()
        .map_err(|err| fail(err.to_string()))?
        .is_some()
    {
        frames += 1;
    }
    Ok(frames)
}

/// Writes the animation to `path` as a looping GIF (256 colours per frame, quantised).
///
/// # Errors
/// [`ExportError::Write`] if a frame cannot be drawn or the file written.
pub fn write_animation_gif(input: &AnimationInput<'_>, path: &Path) -> Result<(), ExportError> {
    register_font();
    let fail = |reason: String| ExportError::Write {
        reason,
        path: path.display().to_string(),
    };
    let (width, height) = animation_frame_size();
    let scale = input
        .frames
        .iter()
        .map(|frame| frame.attack.epsilon as f32)
        .fold(1.0 / 255.0, f32::max);
    let delay = (100.0 / input.fps.clamp(0.5, 50.0)).round() as u16;
    let mut bytes = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut bytes, width as u16, height as u16, &[])
            .map_err(|err| fail(err.to_string()))?;
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(|err| fail(err.to_string()))?;
        for result in input.frames {
            let rgb = render_frame(input, result, scale).map_err(fail)?;
            let mut frame = gif::Frame::from_rgb_speed(width as u16, height as u16, &rgb, 10);
            frame.delay = delay;
            encoder
                .write_frame(&frame)
                .map_err(|err| fail(err.to_string()))?;
        }
    }
    write_atomic(path, &bytes)
}

/// One frame's RGB bytes.
fn render_frame(
    input: &AnimationInput<'_>,
    result: &AttackResult,
    scale: f32,
) -> Result<Vec<u8>, String> {
    let (width, height) = animation_frame_size();
    let mut buffer = vec![255u8; (width * height * 3) as usize];
    let tiles: [(&GreyImage, &GreyImage, ColorMode); 3] = [
        (&result.adversarial, &result.adversarial, ColorMode::Grey),
        (
            &result.original,
            &result.perturbation,
            ColorMode::Diverging { scale },
        ),
        (
            &result.adversarial,
            &result.explanation_adversarial,
            ColorMode::Overlay { opacity: OPACITY },
        ),
    ];
    for (column, (base, extra, mode)) in tiles.into_iter().enumerate() {
        let place = TilePlace {
            page_width: width,
            left: GAP + column as u32 * (TILE + GAP),
            top: HEADER,
            side: TILE,
        };
        paint_tile(&mut buffer, place, base, extra, mode);
    }
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        draw_text(&root, input, result, scale).map_err(|err| err.to_string())?;
        root.present().map_err(|err| err.to_string())?;
    }
    Ok(buffer)
}

fn draw_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    input: &AnimationInput<'_>,
    result: &AttackResult,
    scale: f32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let small = TextStyle::from(("sans-serif", 16).into_font()).color(&RGBColor(60, 60, 60));
    let flipped = result.adversarial_prediction.label != result.clean.label;
    let big = TextStyle::from(("sans-serif", 26).into_font()).color(if flipped {
        &RGBColor(190, 30, 30)
    } else {
        &RGBColor(20, 110, 40)
    });
    root.draw_text(&input.title, &small, (GAP as i32, 8))?;
    let probability =
        |probs: &[f32], label: usize| 100.0 * probs.get(label).copied().unwrap_or(0.0);
    let (clean, adversarial) = (&result.clean, &result.adversarial_prediction);
    root.draw_text(
        &format!(
            "ε = {:.2}/255   {} {:.0}% -> {} {:.0}%",
            result.attack.epsilon * 255.0,
            clean.class_name,
            probability(&clean.probs, clean.label),
            adversarial.class_name,
            probability(&adversarial.probs, adversarial.label),
        ),
        &big,
        (GAP as i32, 30),
    )?;
    let captions = [
        "adversarial".to_string(),
        format!("perturbation (±{:.1}/255 full colour)", scale * 255.0),
        format!("{} of the adversarial", result.explanation.method.label()),
    ];
    for (column, caption) in captions.iter().enumerate() {
        let left = (GAP + column as u32 * (TILE + GAP)) as i32;
        root.draw_text(caption, &small, (left, (HEADER - 18) as i32))?;
    }
    Ok(())
}
