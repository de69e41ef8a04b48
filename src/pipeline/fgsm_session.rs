//! FGSM at slider speed: for a fixed scan, model and [`AttackSpec::gradient_key`], the
//! gradient is computed once; every ε after that costs one element-wise update and the
//! forward passes of the result.

use std::time::Instant;

use super::assemble::assemble_deferring_detection;
use super::defended::detect;
use super::{
    AttackRequest, AttackResult, AttackSpec, Attacked, Detection, PipelineError, Prepared, assemble,
};
use crate::attacks::{AttackControl, DefenseGradientPath, FgsmGradient, GradientRoute};
use crate::device::ComputeDevice;
use crate::explain::Progress;
use crate::models::LoadedModel;

/// [`assemble`] or [`assemble_deferring_detection`]: a run's result from the attack's output.
type Assembler = fn(
    &LoadedModel,
    &ComputeDevice,
    &AttackSpec,
    &Prepared,
    Attacked,
    Instant,
    Progress<'_>,
) -> Result<AttackResult, PipelineError>;

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
        self.result_through(assemble, model, device, spec, control)
    }

    /// [`Self::result_at`] without the detector's scores, for the window's slider: the images
    /// and probabilities come first, and [`Self::detection_at`] gives the scores after them
    /// (`detection_pending` says whether there are any to wait for).
    ///
    /// # Errors
    /// [`PipelineError`].
    pub fn result_deferring_detection(
        &self,
        model: &LoadedModel,
        device: &ComputeDevice,
        spec: &AttackSpec,
        control: &AttackControl<'_>,
    ) -> Result<AttackResult, PipelineError> {
        self.result_through(assemble_deferring_detection, model, device, spec, control)
    }

    /// The result at `spec`'s ε, put together by `assembler`.
    fn result_through(
        &self,
        assembler: Assembler,
        model: &LoadedModel,
        device: &ComputeDevice,
        spec: &AttackSpec,
        control: &AttackControl<'_>,
    ) -> Result<AttackResult, PipelineError> {
        let started = Instant::now();
        assembler(
            model,
            device,
            spec,
            &self.prepared,
            self.attacked(spec),
            started,
            control.on_explanation_step,
        )
    }

    /// The detector's scores at `spec`'s ε, given the model's probabilities on that ε's
    /// adversarial image (a result's `adversarial_prediction.probs`): the same as
    /// [`Self::result_at`]'s `detection`. `None` when the model has no calibrated detector.
    ///
    /// # Errors
    /// [`PipelineError`].
    pub fn detection_at(
        &self,
        model: &LoadedModel,
        spec: &AttackSpec,
        adversarial_probs: &[f32],
    ) -> Result<Option<Detection>, PipelineError> {
        let adversarial = self.gradient.apply(spec.attack.epsilon);
        detect(model, &self.prepared, &adversarial, adversarial_probs)
    }

    /// The adversarial image at `spec`'s ε, as the attack's output.
    fn attacked(&self, spec: &AttackSpec) -> Attacked {
        Attacked {
            adversarial: self.gradient.apply(spec.attack.epsilon),
            gradient_evaluations: 1,
            queries: 0,
            stages: Vec::new(),
            notes: Vec::new(),
            route: self.route,
        }
    }
}
