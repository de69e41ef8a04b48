//! `advlens attack --animate out.gif`: the attack at evenly spaced ε from 0 to `--eps`, written
//! as a looping GIF for slides.

use std::path::Path;

use advlens::attacks::AttackControl;
use advlens::device::ComputeDevice;
use advlens::export::{AnimationSettings, write_attack_animation};
use advlens::models::LoadedModel;
use advlens::pipeline::AttackRequest;

/// Renders the animation of `request` into `path`.
pub(super) fn write_animation(
    model: &LoadedModel,
    request: &AttackRequest,
    device: &ComputeDevice,
    (frames, fps): (usize, f32),
    path: &Path,
) -> anyhow::Result<()> {
    write_attack_animation(
        model,
        request,
        device,
        AnimationSettings { frames, fps },
        path,
        &AttackControl::default(),
    )?;
    Ok(())
}
