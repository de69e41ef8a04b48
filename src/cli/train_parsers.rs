//! Parsers of `advlens train`'s values: each says in words what it expected.

use advlens::models::{InputNorm, Task};
use advlens::segment::SegmentationTask;

use super::train_cmd::TrainTask;

/// A number in `range`, or `expected` followed by what was typed.
fn number_in(
    text: &str,
    range: std::ops::RangeInclusive<f32>,
    expected: &str,
) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(value) if range.contains(&value) => Ok(value),
        _ => Err(format!("{expected}, got '{text}'")),
    }
}

pub(super) fn parse_fraction(text: &str) -> Result<f32, String> {
    number_in(text, 0.0..=1.0, "expected a fraction in [0, 1]")
}

pub(super) fn parse_label_smoothing(text: &str) -> Result<f32, String> {
    number_in(
        text,
        0.0..=0.5,
        "label smoothing must be a number in [0, 0.5]",
    )
}

pub(super) fn parse_input_norm(text: &str) -> Result<InputNorm, String> {
    match text {
        "dataset" => Ok(InputNorm::Dataset),
        "per-image" => Ok(InputNorm::PerImage),
        other => Err(format!(
            "unknown input normalisation '{other}': expected dataset or per-image"
        )),
    }
}

pub(super) fn parse_noise_sigma(text: &str) -> Result<f32, String> {
    number_in(text, 0.0..=1.0, "noise σ must be a number in [0, 1]")
}

pub(super) fn parse_train_task(text: &str) -> Result<TrainTask, String> {
    text.parse::<Task>()
        .map(TrainTask::Classify)
        .or_else(|_| text.parse::<SegmentationTask>().map(TrainTask::Segment))
        .map_err(|_| format!("unknown task '{text}': expected chest-xray, brain-mri or fetal-head"))
}

pub(super) fn parse_widths(text: &str) -> Result<[usize; 4], String> {
    let values: Vec<usize> = text
        .split(',')
        .map(|v| v.trim().parse::<usize>())
        .collect::<Result<_, _>>()
        .map_err(|err| format!("widths '{text}': {err}"))?;
    match values[..] {
        [a, b, c, d] if values.iter().all(|w| (1..=512).contains(w)) => Ok([a, b, c, d]),
        _ => Err(format!(
            "widths must be four channel counts in 1–512, e.g. 8,16,32,64; got '{text}'"
        )),
    }
}

/// The α of --mixup or --cutmix: 0 (off) or in (0, 4] (Beta(α, α) draws slow down past that).
pub(super) fn parse_mixing_alpha(text: &str) -> Result<f32, String> {
    number_in(
        text,
        0.0..=4.0,
        "the mixing α must be a number in [0, 4] (0 for none)",
    )
}

/// The temperature of --distill-temperature: a number in (0, 100].
pub(super) fn parse_temperature(text: &str) -> Result<f32, String> {
    number_in(
        text,
        f32::MIN_POSITIVE..=100.0,
        "the distillation temperature must be a number in (0, 100]",
    )
}
