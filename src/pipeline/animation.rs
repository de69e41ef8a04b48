//! The ε animation for slides: the same attack at evenly spaced ε from 0 to the chosen one,
//! each frame a full result (prediction, perturbation, explanation), so that a lecture can show
//! the prediction flip as the budget grows. FGSM reuses one gradient for every frame; the other
//! attacks run once per frame with the same seed.

use super::{AttackRequest, AttackResult, AttackSpec, FgsmSession, PipelineError, run_pipeline};
use crate::attacks::{AttackConfig, AttackControl, AttackError, AttackKind};
use crate::device::ComputeDevice;
use crate::models::LoadedModel;

/// Most frames an animation may have.
pub const MAX_FRAMES: usize = 240;

/// The ε of each of `frames` frames, evenly from 0 to `epsilon`.
#[must_use]
pub fn animation_epsilons(epsilon: f64, frames: usize) -> Vec<f64> {
    let last = frames.saturating_sub(1).max(1) as f64;
    (0..frames)
        .map(|frame| epsilon * frame as f64 / last)
        .collect()
}

/// One result per frame, ε from 0 to the request's ε.
///
/// # Errors
/// [`PipelineError`] for an attack without ε (the minimal and sparse ones, a universal
/// perturbation), a frame count outside 2–[`MAX_FRAMES`], or any frame's failure.
pub fn epsilon_animation(
    model: &LoadedModel,
    request: &AttackRequest,
    frames: usize,
    device: &ComputeDevice,
    control: &AttackControl<'_>,
) -> Result<Vec<AttackResult>, PipelineError> {
    let kind = request.spec.attack.kind;
    if !kind.uses_epsilon() {
        return Err(AttackError::InvalidParameter(format!(
            "the animation sweeps ε, and {} has none",
            kind.label()
        ))
        .into());
    }
    if !(2..=MAX_FRAMES).contains(&frames) {
        return Err(AttackError::InvalidParameter(format!(
            "an animation needs 2–{MAX_FRAMES} frames, got {frames}"
        ))
        .into());
    }
    let at = |epsilon: f64| AttackSpec {
        attack: AttackConfig {
            epsilon,
            ..request.spec.attack.clone()
        },
        ..request.spec.clone()
    };
    let epsilons = animation_epsilons(request.spec.attack.epsilon, frames);
    if kind == AttackKind::Fgsm {
        let session = FgsmSession::new(model, request, device)?;
        return epsilons
            .into_iter()
            .map(|epsilon| session.result_at(model, device, &at(epsilon), control))
            .collect();
    }
    epsilons
        .into_iter()
        .map(|epsilon| {
            if control.should_stop.is_some_and(|stop| stop()) {
                return Err(AttackError::Cancelled.into());
            }
            let frame = AttackRequest {
                scan: request.scan.clone(),
                spec: at(epsilon),
            };
            run_pipeline(model, &frame, device, control)
        })
        .collect()
}
