//! Running the ε animation of an attack and writing it as a GIF in one call — what
//! `advlens attack --animate` and the window's *Export animation…* both do.

use std::path::Path;

use super::ExportError;
use super::animation::{AnimationInput, write_animation_gif};
use crate::attacks::AttackControl;
use crate::device::ComputeDevice;
use crate::models::LoadedModel;
use crate::pipeline::{AttackRequest, PipelineError, epsilon_animation};

/// Why an animation could not be written.
#[derive(Debug, thiserror::Error)]
pub enum AnimationError {
    /// The file name or the speed is not usable.
    #[error("{0}")]
    Invalid(String),
    /// A frame's attack failed.
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    /// The file could not be written.
    #[error(transparent)]
    Export(#[from] ExportError),
}

/// How the animation is made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnimationSettings {
    /// Frames, ε evenly from 0 to the request's ε.
    pub frames: usize,
    /// Frames per second (0.5–50).
    pub fps: f32,
}

/// Runs `request`'s attack at every frame's ε and writes the GIF to `path`.
///
/// # Errors
/// [`AnimationError`] for a path that does not end in `.gif`, a speed outside 0.5–50 frames
/// per second, a failed frame or a failed write (no partial file is left).
pub fn write_attack_animation(
    model: &LoadedModel,
    request: &AttackRequest,
    device: &ComputeDevice,
    settings: AnimationSettings,
    path: &Path,
    control: &AttackControl<'_>,
) -> Result<(), AnimationError> {
    if !path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("gif"))
    {
        return Err(AnimationError::Invalid(format!(
            "the animation is a GIF: give a file name ending in .gif, not {}",
            path.display()
        )));
    }
    let fps = settings.fps;
    if !(fps.is_finite() && (0.5..=50.0).contains(&fps)) {
        return Err(AnimationError::Invalid(format!(
            "the animation's speed must be 0.5–50 frames per second, not {fps}"
        )));
    }
    let results = epsilon_animation(model, request, settings.frames, device, control)?;
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
