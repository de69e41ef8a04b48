//! `advlens attack --animate out.gif`: the attack at evenly spaced ε from 0 to `--eps`, written
//! as a looping GIF for slides.

use std::path::Path;

use advlens::attacks::AttackControl;
use advlens::device::ComputeDevice;
use advlens::export::{AnimationInput, write_animation_gif};
use advlens::models::LoadedModel;
use advlens::pipeline::{AttackRequest, epsilon_animation};

/// Renders the animation of `request` into `path`.
pub(super) fn write_animation(
    model: &LoadedModel,
    request: &AttackRequest,
    device: &ComputeDevice,
    (frames, fps): (usize, f32),
    path: &Path,
) -> anyhow::Result<()> {
    anyhow::ensure!(
        path.extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("gif")),
        "--animate writes a GIF: give a file name ending in .gif, not {}",
        path.display()
    );
    anyhow::ensure!(
        fps.is_finite() && (0.5..=50.0).contains(&fps),
        "--animate-fps must be 0.5–50, got {fps}"
    );
    let results = epsilon_animation(model, request, frames, device, &AttackControl::default())?;
    let input = AnimationInput {
        frames: &results,
        title: format!(
            "{} · {} · {}",
            request.scan.metadata.source_name,
            model.name,
            request.spec.attack.kind.label()
        ),
        fps,
    };
    write_animation_gif(&input, path)?;
    Ok(())
}
