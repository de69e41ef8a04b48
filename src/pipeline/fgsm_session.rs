//! FGSM at slider speed: for a fixed scan, model and [`AttackSpec::gradient_key`], the
//! gradient is computed once; every ε after that costs one element-wise update and the
//! forward passes of the result.

use std::time::Instant;

use super::{AttackRequest, AttackResult, AttackSpec, Attacked, PipelineError, Prepared, assemble};
use crate::attacks::{AttackControl, DefenseGradientPath, FgsmGradient, GradientRoute};
use crate::device::ComputeDevice;
use crate::models::LoadedModel;

/// FGSM for a fixed (scan, model, target, defence attacked): the gradient is computed once,
/// then every ε is cheap.
#[derive(Debug, Clone)]
pub struct FgsmSession {
    prepared: Prepared,
    gradient: FgsmGradient,
    route: GradientRoute,
}

impl FgsmSession {
    /// Computes the clean prediction and the gradient sign.
    ///
    /// # Errors
    /// [`PipelineError`].
    pub fn new(
        model: &LoadedModel,
        request: &AttackRequest,
        device: &ComputeDevice,
    ) -> Result<Self, PipelineError> {
        let prepared = Prepared::from_scan(model, &request.scan, &request.spec, device)?;
        let path = request.spec.defense_path();
        let through = path.as_ref().map(|p| p as &dyn DefenseGradientPath);
        let gradient = FgsmGradient::compute_through(
            &model.models.differentiable,
            prepared.clean.clone(),
            &[prepared.aim()],
            prepared.target.is_some(),
            through,
        )?
        .within(request.spec.attack.region.as_ref());
        Ok(Self {
            prepared,
            gradient,
            route: GradientRoute::of(request.spec.attack.kind, through),
        })
    }

    /// The full result for `spec` (its ε and the defence shown), reusing the gradient; `spec`
    /// must have the session's [`AttackSpec::gradient_key`].
    ///
    /// # Errors
    /// [`PipelineError`].
    pub fn result_at(
        &self,
        model: &LoadedModel,
        device: &ComputeDevice,
        spec: &AttackSpec,
        control: &AttackControl<'_>,
    ) -> Result<AttackResult, PipelineError> {
        let started = Instant::now();
        let adversarial = self.gradient.apply(spec.attack.epsilon);
        assemble(
            model,
            device,
            spec,
            &self.prepared,
            Attacked {
                adversarial,
                gradient_evaluations: 1,
                queries: 0,
                stages: Vec::new(),
                notes: Vec::new(),
                route: self.route,
            },
            started,
            control.on_explanation_step,
        )
    }
}
