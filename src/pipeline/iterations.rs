//! Iteration replay: an iterative gradient attack's path from the clean scan to its answer, one
//! full result per step (the step's adversarial image, prediction, perturbation and
//! explanation), so that a lecture can show PGD walking across the boundary. The attack runs
//! once; each iterate is the image the attack itself held after that step's projection.

use std::sync::Mutex;
use std::time::Instant;

use burn::tensor::Tensor;

use super::{AttackRequest, AttackResult, Attacked, PipelineError, Prepared, assemble};
use crate::attacks::{AttackControl, AttackError, DefenseGradientPath, GradientRoute, run_attack};
use crate::device::ComputeDevice;
use crate::models::LoadedModel;

/// Most steps a replay may hold (each becomes a full result).
pub const MAX_REPLAY_STEPS: usize = 200;

/// One result per step of the request's attack, in order; the last is the attack's answer
/// (with random restarts, the steps of every restart follow one another and the answer is the
/// restart that succeeded).
///
/// # Errors
/// [`PipelineError`] for a family whose steps are not reported (only BIM, PGD and MI-FGSM
/// replay), more than [`MAX_REPLAY_STEPS`] steps, cancellation or any stage's failure.
pub fn iteration_replay(
    model: &LoadedModel,
    request: &AttackRequest,
    device: &ComputeDevice,
    control: &AttackControl<'_>,
) -> Result<Vec<AttackResult>, PipelineError> {
    let attack = &request.spec.attack;
    if !attack.kind.replays_iterations() {
        return Err(AttackError::InvalidParameter(format!(
            "iteration replay shows the steps of BIM, PGD and MI-FGSM; {} reports none",
            attack.kind.label()
        ))
        .into());
    }
    let steps = attack.steps * attack.restarts.max(1);
    if steps > MAX_REPLAY_STEPS {
        return Err(AttackError::InvalidParameter(format!(
            "iteration replay holds at most {MAX_REPLAY_STEPS} steps, and this run has {steps}"
        ))
        .into());
    }
    let started = Instant::now();
    let prepared = Prepared::from_scan(model, &request.scan, &request.spec, device)?;
    let path = request.spec.defense_path();
    let through = path.as_ref().map(|p| p as &dyn DefenseGradientPath);
    let route = GradientRoute::of(attack.kind, through);
    let iterates: Mutex<Vec<Tensor<4>>> = Mutex::new(Vec::with_capacity(steps));
    let record = |_: usize, images: &Tensor<4>| {
        if let Ok(mut kept) = iterates.lock() {
            kept.push(images.clone().without_autodiff());
        }
    };
    let recording = AttackControl {
        through,
        on_iterate: Some(&record),
        ..*control
    };
    let answer = run_attack(
        &model.models,
        &prepared.clean,
        &[prepared.aim()],
        prepared.target.is_some(),
        attack,
        &recording,
    )?;
    let mut iterates = iterates
        .into_inner()
        .map_err(|_| AttackError::InvalidParameter("the replay's recording failed".to_string()))?;
    // The answer, as the attack returns it (the successful restart, the region restored).
    if let Some(last) = iterates.last_mut() {
        *last = answer.adversarial;
    }
    let total = iterates.len();
    iterates
        .into_iter()
        .enumerate()
        .map(|(index, adversarial)| {
            if control.should_stop.is_some_and(|stop| stop()) {
                return Err(AttackError::Cancelled.into());
            }
            assemble(
                model,
                device,
                &request.spec,
                &prepared,
                Attacked {
                    adversarial,
                    gradient_evaluations: index + 1,
                    queries: 0,
                    stages: Vec::new(),
                    notes: vec![format!("iteration {} of {total}", index + 1)],
                    route,
                },
                started,
                None,
            )
        })
        .collect()
}
