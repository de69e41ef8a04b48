//! The data-set report: one self-contained HTML page (styles and images inline, nothing loaded
//! from anywhere) with the settings, the accuracy curves, the robustness table in the survey's
//! layout, the confusion matrices with per-class precision, recall and F1, the histogram of
//! flipping ε and the most fragile scans; and the per-scan CSV beside it. Neither names a
//! folder or a patient: scans are numbered by their place in the set.

mod base64;
mod charts;
mod csv;
mod sections;
mod thumbnails;

pub use charts::{accuracy_curves, confusion_chart, flip_histogram_chart};
pub use csv::scan_csv;
pub use thumbnails::{ScanThumbnails, scan_thumbnails};

use std::fmt::Write as _;

use super::ExportError;
use crate::eval::ScanEvaluation;

/// How many of the most fragile scans the report shows.
pub const FRAGILE_SHOWN: usize = 12;

/// What the report is about.
pub struct EvalReportInput<'a> {
    /// One evaluation per model, all on the same scans (the first is the one the fragile
    /// scans and the histogram are about).
    pub evaluations: &'a [ScanEvaluation],
    /// The attack (index into each evaluation's attacks) of the histogram and the gallery.
    pub attack: usize,
    /// The ε (index into the evaluations' ε) of the adversarial confusion matrices.
    pub epsilon: usize,
}

/// Writes the report to `path` (HTML) and the per-scan CSV of every evaluation beside it
/// (`path` with `.scans.csv`), both atomically; returns the CSV's path.
///
/// # Errors
/// [`ExportError::Write`] if a chart cannot be drawn or a file cannot be written (then no
/// partial file is left).
pub fn write_eval_report(
    path: &std::path::Path,
    input: &EvalReportInput<'_>,
) -> Result<std::path::PathBuf, ExportError> {
    let html = eval_report_html(input)?;
    let csv_path = path.with_extension("scans.csv");
    let mut csv = String::new();
    for (index, evaluation) in input.evaluations.iter().enumerate() {
        let text = scan_csv(evaluation);
        // One header for all models: their columns are the same attacks and ε.
        let body = if index == 0 {
            text.as_str()
        } else {
            text.split_once('\n').map_or("", |(_, rest)| rest)
        };
        csv.push_str(body);
    }
    super::write_atomic(path, html.as_bytes())?;
    super::write_atomic(&csv_path, csv.as_bytes())?;
    Ok(csv_path)
}

/// The set of scans in words safe to publish: a data-set split keeps its name; anything else
/// (a folder on someone's disk) becomes "a folder of labelled scans".
#[must_use]
pub fn public_source(source: &str) -> String {
    if source.starts_with("the ") && source.contains(" split of ") {
        source.to_string()
    } else {
        "a folder of labelled scans".to_string()
    }
}

/// Escapes text for HTML.
pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn push(page: &mut String, args: std::fmt::Arguments<'_>) {
    // Writing into a `String` cannot fail.
    page.write_fmt(args).ok();
}

/// PNG bytes as an `<img>` with a data URL.
pub(super) fn image_tag(png: &[u8], alt: &str, class: &str) -> String {
    format!(
        "<img class=\"{class}\" alt=\"{}\" src=\"data:image/png;base64,{}\">",
        escape(alt),
        base64::encode(png)
    )
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}\
th:first-child,td:first-child{text-align:left}.thumb{width:128px;height:128px;image-rendering:pixelated}\
.gallery{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:14px}\
.scan{border:1px solid #ccc;padding:6px}.chart{max-width:100%}.note{color:#555}";

/// The whole report as HTML.
///
/// # Errors
/// [`ExportError::Write`] if a chart cannot be drawn, or there is no evaluation.
pub fn eval_report_html(input: &EvalReportInput<'_>) -> Result<String, ExportError> {
    let Some(first) = input.evaluations.first() else {
        return Err(ExportError::Write {
            reason: "no evaluation to report".to_string(),
            path: "the report".to_string(),
        });
    };
    let attack = input.attack.min(first.attacks.len().saturating_sub(1));
    let epsilon = input.epsilon.min(first.epsilons.len().saturating_sub(1));
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>advlens robustness report — {}</title><style>{STYLE}</style></head><body>\n",
        escape(&first.model)
    );
    push(
        &mut page,
        format_args!(
            "<h1>Robustness report: {}</h1>\n",
            escape(
                &input
                    .evaluations
                    .iter()
                    .map(|e| e.model.as_str())
                    .collect::<Vec<_>>()
                    .join(" vs ")
            )
        ),
    );
    sections::settings_section(&mut page, first, input.evaluations);
    push(
        &mut page,
        format_args!(
            "<section id=\"curves\"><h2>Accuracy against ε</h2>{}</section>\n",
            image_tag(
                &accuracy_curves(input.evaluations)?,
                "accuracy against epsilon",
                "chart"
            )
        ),
    );
    page.push_str("<section id=\"table\"><h2>Robustness table</h2>");
    for evaluation in input.evaluations {
        sections::table_section(&mut page, evaluation);
    }
    page.push_str("</section>\n");
    page.push_str("<section id=\"confusion\"><h2>Confusion matrices</h2>");
    for evaluation in input.evaluations {
        sections::confusion_section(&mut page, evaluation, attack, epsilon)?;
    }
    page.push_str("</section>\n");
    push(
        &mut page,
        format_args!(
            "<section id=\"histogram\"><h2>Where scans flip</h2><p class=\"note\">The smallest ε from \
             which {} fools each scan at every larger ε of the grid (for a minimal attack, the L∞ \
             size of the perturbation it needed), per true class.</p>{}</section>\n",
            escape(&first.attacks[attack].name),
            image_tag(
                &flip_histogram_chart(
                    &first.flip_histogram(attack),
                    &first.classes,
                    &format!("{} — {}", first.model, first.attacks[attack].name)
                )?,
                "histogram of flipping epsilon",
                "chart"
            )
        ),
    );
    sections::fragile_section(&mut page, first, attack)?;
    push(
        &mut page,
        format_args!(
            "<p class=\"note\">Written by advlens {}. No scan left the machine; scans are numbered by \
             their place in the set.</p></body></html>\n",
            env!("CARGO_PKG_VERSION")
        ),
    );
    Ok(page)
}
