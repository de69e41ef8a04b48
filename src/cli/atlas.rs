//! `advlens attack --explain-atlas`: every explanation method's clean and adversarial map of
//! the run on one page, `explanation_atlas.png`.

use advlens::export::{AtlasInput, explanation_atlas_figure, write_rgb8};
use advlens::pipeline::{AttackRequest, explanation_atlas};

/// Draws every method's pair of maps into `explanation_atlas.png`; returns the file name.
pub(super) fn write_atlas(
    model: &advlens::models::LoadedModel,
    result: &advlens::pipeline::AttackResult,
    request: &AttackRequest,
    device: &advlens::device::ComputeDevice,
    out: &std::path::Path,
) -> anyhow::Result<String> {
    let entries = explanation_atlas(model, result, &request.spec.explain, device)?;
    let classes = &model.card.classes;
    let (clean_class, adversarial_class) = request.spec.explain.target.classes(
        result.clean.label,
        result.adversarial_prediction.label,
        result.label,
    );
    let name = |class: usize| {
        classes
            .get(class)
            .cloned()
            .unwrap_or_else(|| class.to_string())
    };
    let input = AtlasInput {
        entries: &entries,
        clean: &result.original,
        adversarial: &result.adversarial,
        title: format!(
            "{} · {} · {} — {}",
            request.scan.metadata.source_name,
            model.name,
            result.attack.describe(),
            result.outcome().verdict(result, classes)
        ),
        row_labels: [
            format!("clean map\n(class {})", name(clean_class)),
            format!("adversarial map\n(class {})", name(adversarial_class)),
        ],
    };
    let (width, height, rgb) = explanation_atlas_figure(&input)?;
    let pixels: Vec<[u8; 3]> = rgb.chunks_exact(3).map(|p| [p[0], p[1], p[2]]).collect();
    let file = "explanation_atlas.png";
    write_rgb8(width as usize, height as usize, &pixels, &out.join(file))?;
    Ok(file.to_string())
}
