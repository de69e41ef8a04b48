//! *Export…*: the comparison figure, the adversarial image (8-bit and lossless 16-bit PNG),
//! the perturbation, `result.json` and a recipe that `advlens attack --recipe` replays. Files
//! are written all or nothing (a failed export leaves the folder as it was); nothing leaves the machine; no patient identifier is written.

use std::path::Path;

use crate::export::{
    AttackReport, ExportError, FigureInput, comparison_figure, write_atomic, write_file_set,
    write_result_images, write_rgb8,
};
use crate::imaging::{LoadOptions, Scan};
use crate::models::ModelCard;
use crate::pipeline::sweep::Sweep;
use crate::pipeline::{AttackResult, AttackSpec};
use crate::recipe::Recipe;
use crate::worker::ScanSource;

/// Everything an export needs.
pub struct ExportContext<'a> {
    /// The result shown.
    pub result: &'a AttackResult,
    /// The model's card.
    pub card: &'a ModelCard,
    /// The scan.
    pub scan: &'a Scan,
    /// Where it came from.
    pub scan_source: Option<&'a ScanSource>,
    /// Frame and window it was read with.
    pub load_options: LoadOptions,
    /// The sweep, if computed.
    pub sweep: Option<&'a Sweep>,
    /// Overlay opacity.
    pub opacity: f32,
    /// The true label the user set.
    pub true_label: Option<usize>,
}

/// Writes every export file into `folder`, all or nothing: a failure (a read-only or full
/// folder) leaves the folder as it was.
///
/// # Errors
/// A message naming what failed.
pub fn export_all(context: &ExportContext<'_>, folder: &Path) -> Result<(), String> {
    let recipe = recipe(context)?;
    write_file_set(folder, |staging| {
        write_files(context, recipe.as_ref(), staging)
    })
    .map_err(|err| err.to_string())
}

fn write_files(
    context: &ExportContext<'_>,
    recipe: Option<&Recipe>,
    folder: &Path,
) -> Result<(), ExportError> {
    let result = context.result;
    let credit = context
        .scan
        .metadata
        .source_name
        .starts_with("chest_xray_")
        .then(|| "Image: Kermany, Zhang & Goldbaum 2018, CC BY 4.0.".to_string());
    let figure = FigureInput {
        result,
        model: &context.card.name,
        classes: &context.card.classes,
        opacity: context.opacity,
        sweep: context.sweep,
        attack: result.attack.describe(),
        credit,
    };
    let (width, height, rgb) = comparison_figure(&figure)?;
    let pixels: Vec<[u8; 3]> = rgb.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect();
    write_rgb8(
        width as usize,
        height as usize,
        &pixels,
        &folder.join("figure.png"),
    )?;
    let mut files = vec!["figure.png".to_string()];
    files.extend(write_result_images(result, folder, context.opacity)?);
    if let Some(recipe) = recipe {
        write_json(&folder.join("recipe.json"), recipe)?;
        files.push("recipe.json".to_string());
    }
    files.push("result.json".to_string());
    let mut report = AttackReport::new(
        &context.scan.metadata,
        &context.card.name,
        &context.card.classes,
        result,
    );
    report.files = files;
    write_json(&folder.join("result.json"), &report)
}

fn write_json(path: &Path, value: &impl serde::Serialize) -> Result<(), ExportError> {
    let text = serde_json::to_string_pretty(value).map_err(|err| ExportError::Write {
        reason: err.to_string(),
        path: path.display().to_string(),
    })?;
    write_atomic(path, text.as_bytes())
}

/// The recipe of the current result (none for a scan that was dropped without a file path).
fn recipe(context: &ExportContext<'_>) -> Result<Option<Recipe>, String> {
    let Some(ScanSource::Path(path)) = context.scan_source else {
        return Ok(None);
    };
    // The spec of the result shown (the settings may have moved on since it was computed).
    let result = context.result;
    let spec = AttackSpec {
        attack: result.attack.clone(),
        true_label: context.true_label,
        defense: result.defended.as_ref().map(|d| d.defense.clone()),
        adaptive: result.defended.as_ref().is_some_and(|d| d.adaptive),
        explain: result.explanation.clone(),
    };
    Recipe::for_result(
        path,
        context.load_options,
        &context.card.name,
        &spec,
        result,
    )
    .map(Some)
    .map_err(|err| err.to_string())
}
