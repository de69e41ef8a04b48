//! Attacks on a segmenter's mask: FGSM, BIM, PGD and APGD (L∞, the same ε, step and seed rules
//! as the classification attacks; APGD sets its own step size, as on classifiers, and returns
//! each image's point of highest loss) ascending a chosen adversarial loss — BCE or the soft-Dice loss
//! against the true mask (untargeted: make the mask wrong), or BCE towards a target mask
//! (targeted: make the mask say something else — empty, shifted, grown or shrunk). Through a
//! test-time defence the attack is adaptive as for classifiers: the gradient goes through a
//! differentiable defence exactly, through any other by BPDA (`x + stop_grad(T(x) − x)`), and
//! is summed over the draws of a random one (EOT).

use burn::tensor::{Tensor, TensorData};

use super::loss::{bce_per_image, soft_dice_loss_per_image};
use super::target::SegmentationLoss;
use super::{SegmentationError, host_values as read_back};
use crate::attacks::{
    AscentBudget, AscentStop, AttackKind, DefenseGradientPath, Measured, Norm, Region, apgd_ascent,
    count_backward_pass, format_epsilon, project, random_point_in_ball,
};
use crate::models::UNet;

/// The attack families that act on masks. The others need a decision between classes (DLR,
/// DeepFool, C&W's margin, JSMA's saliency) or a query budget built for labels (Square).
pub const SEGMENTATION_ATTACKS: [AttackKind; 4] = [
    AttackKind::Fgsm,
    AttackKind::Bim,
    AttackKind::Pgd,
    AttackKind::ApgdCe,
];

/// An L∞ attack on a segmenter.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentationAttack {
    /// FGSM, BIM, PGD or APGD (`AttackKind::ApgdCe`, named APGD here: its loss is
    /// [`Self::loss`]).
    pub kind: AttackKind,
    /// The adversarial loss.
    pub loss: SegmentationLoss,
    /// The L∞ radius on the [0, 1] scale.
    pub epsilon: f64,
    /// Gradient steps (BIM and PGD).
    pub steps: usize,
    /// Step size; default ε/steps for BIM and 2.5·ε/steps for PGD (Madry et al.).
    pub step_size: Option<f64>,
    /// Seed of PGD's random start.
    pub seed: u64,
    /// The rectangle the attack is confined to (δ is exactly 0 outside it); the whole image
    /// when `None`.
    pub region: Option<Region>,
}

impl SegmentationAttack {
    /// An attack with the default steps (10) and step size.
    ///
    /// # Errors
    /// A message for an attack that does not apply to masks or a radius outside [0, 1].
    pub fn new(
        kind: AttackKind,
        loss: SegmentationLoss,
        epsilon: f64,
    ) -> Result<Self, SegmentationError> {
        if !SEGMENTATION_ATTACKS.contains(&kind) {
            return Err(SegmentationError::InvalidParameter(format!(
                "{kind} does not apply to segmentation; use fgsm, bim, pgd or apgd"
            )));
        }
        if !(0.0..=1.0).contains(&epsilon) || !epsilon.is_finite() {
            return Err(SegmentationError::InvalidParameter(format!(
                "ε must be in [0, 1], got {epsilon}"
            )));
        }
        Ok(Self {
            kind,
            loss,
            epsilon,
            steps: if kind == AttackKind::Fgsm { 1 } else { 10 },
            step_size: None,
            seed: 0,
            region: None,
        })
    }

    /// The same attack with another seed.
    #[must_use]
    pub fn with_seed(&self, seed: u64) -> Self {
        Self {
            seed,
            ..self.clone()
        }
    }

    /// The step size in use (for APGD, the first one: it halves as progress stalls).
    #[must_use]
    pub fn effective_step_size(&self) -> f64 {
        match (self.kind, self.step_size) {
            (AttackKind::Fgsm, _) => self.epsilon,
            (AttackKind::ApgdCe, _) => 2.0 * self.epsilon,
            (_, Some(step)) => step,
            (AttackKind::Pgd, None) => 2.5 * self.epsilon / self.steps.max(1) as f64,
            (_, None) => self.epsilon / self.steps.max(1) as f64,
        }
    }

    /// Gradient steps actually taken.
    #[must_use]
    pub fn effective_steps(&self) -> usize {
        if self.kind == AttackKind::Fgsm {
            1
        } else {
            self.steps.max(1)
        }
    }

    /// The attack in words, e.g. `PGD-10 (dice loss), ε = 4/255`.
    #[must_use]
    pub fn describe(&self) -> String {
        let name = match self.kind {
            AttackKind::Fgsm => "FGSM".to_string(),
            AttackKind::Bim => format!("BIM-{}", self.effective_steps()),
            AttackKind::ApgdCe => format!("APGD-{}", self.effective_steps()),
            _ => format!("PGD-{}", self.effective_steps()),
        };
        let region = self
            .region
            .map_or_else(String::new, |r| format!(", in region {}", r.to_text()));
        format!(
            "{name} ({} loss), ε = {}{region}",
            self.loss,
            format_epsilon(self.epsilon)
        )
    }

    /// The adversarial batch. `model` lives on an autodiff device with frozen parameters;
    /// `clean` and `masks` (`[batch, 1, h, w]`, masks 0/1) may be on either device. The result
    /// is on the plain device, within ε of `clean` in L∞ and in [0, 1].
    ///
    /// # Errors
    /// [`SegmentationError`] if a gradient cannot be computed.
    pub fn run(
        &self,
        model: &UNet,
        clean: &Tensor<4>,
        masks: &Tensor<4>,
    ) -> Result<Tensor<4>, SegmentationError> {
        self.run_through(model, clean, masks, None)
    }

    /// [`Self::run`] against the segmenter behind a test-time defence (`through`), the
    /// adaptive attack; `None` attacks the segmenter alone.
    ///
    /// # Errors
    /// [`SegmentationError`] if a gradient cannot be computed or the defence fails.
    pub fn run_through(
        &self,
        model: &UNet,
        clean: &Tensor<4>,
        masks: &Tensor<4>,
        through: Option<&dyn DefenseGradientPath>,
    ) -> Result<Tensor<4>, SegmentationError> {
        let clean = clean.clone().without_autodiff();
        let reference = self.reference_masks(&masks.clone().without_autodiff())?;
        if let Some(region) = &self.region {
            let [_, _, height, width] = clean.dims();
            region
                .check_for(self.kind, width, height)
                .map_err(|err| SegmentationError::InvalidParameter(err.to_string()))?;
        }
        if self.kind == AttackKind::ApgdCe {
            return self.run_apgd(model, &clean, &reference, through);
        }
        let mut adversarial = self.confine(
            &clean,
            if self.kind == AttackKind::Pgd {
                random_point_in_ball(&clean, self.epsilon, Norm::Linf, self.seed, 0)
            } else {
                clean.clone()
            },
        );
        let step = self.effective_step_size();
        for _ in 0..self.effective_steps() {
            let (_, gradient) = self.objective(model, &adversarial, &reference, through)?;
            adversarial = self.confine(
                &clean,
                project(
                    adversarial.add(gradient.sign().mul_scalar(step)),
                    &clean,
                    self.epsilon,
                    Norm::Linf,
                ),
            );
        }
        Ok(adversarial)
    }

    /// `adversarial` inside the region and `clean` outside it, bit for bit (the whole of
    /// `adversarial` without a region).
    fn confine(&self, clean: &Tensor<4>, adversarial: Tensor<4>) -> Tensor<4> {
        match &self.region {
            Some(region) => region.restrict(clean, adversarial),
            None => adversarial,
        }
    }

    /// The masks the loss compares with: the true ones, or the targets made from them.
    fn reference_masks(&self, masks: &Tensor<4>) -> Result<Tensor<4>, SegmentationError> {
        let SegmentationLoss::Target(target) = self.loss else {
            return Ok(masks.clone());
        };
        let dims = masks.dims();
        let [_, _, height, width] = dims;
        let values = read_back(masks.clone())?;
        let targets: Vec<f32> = values
            .chunks(height * width)
            .flat_map(|mask| target.apply(mask, [height, width]))
            .collect();
        Ok(Tensor::from_data(
            TensorData::new(targets, dims),
            &masks.device(),
        ))
    }

    /// APGD from a seeded random start: each image ends at its point of highest loss (there
    /// is no class to flip, so no early success).
    fn run_apgd(
        &self,
        model: &UNet,
        clean: &Tensor<4>,
        reference: &Tensor<4>,
        through: Option<&dyn DefenseGradientPath>,
    ) -> Result<Tensor<4>, SegmentationError> {
        let start = self.confine(
            clean,
            random_point_in_ball(clean, self.epsilon, Norm::Linf, self.seed, 0),
        );
        let images = clean.dims()[0];
        let measure = |x: &Tensor<4>| -> Result<Measured, SegmentationError> {
            let (values, gradient) = self.objective(model, x, reference, through)?;
            // Where the attack may not act its gradient is 0, so APGD's steps stay inside.
            let gradient = match &self.region {
                Some(region) => region.restrict(&gradient.zeros_like(), gradient),
                None => gradient,
            };
            Ok(Measured {
                values,
                gradient,
                met: vec![false; images],
            })
        };
        let budget = AscentBudget {
            norm: Norm::Linf,
            epsilon: self.epsilon,
            steps: self.effective_steps(),
        };
        match apgd_ascent(clean, start, budget, &measure, &|| false, &|_| {}) {
            Ok(found) => Ok(found.adversarial),
            Err(AscentStop::Failed(err)) => Err(err),
            Err(AscentStop::Stopped) => Err(SegmentationError::NoGradient),
        }
    }

    /// The objective per image (averaged over the defence's draws) and its gradient ∇ₓ of the
    /// sum over the batch, on the plain device.
    fn objective(
        &self,
        model: &UNet,
        input: &Tensor<4>,
        reference: &Tensor<4>,
        through: Option<&dyn DefenseGradientPath>,
    ) -> Result<(Vec<f32>, Tensor<4>), SegmentationError> {
        let leaf = input.clone().autodiff().require_grad();
        let reference = reference.clone().autodiff();
        let draws = through.map_or(1, |path| path.samples().max(1));
        let mut total: Option<Tensor<1>> = None;
        for _ in 0..draws {
            let seen = match through {
                None => leaf.clone(),
                Some(path) if path.differentiable() => {
                    path.transform(&leaf).map_err(|err| defence(&err))?
                }
                Some(path) => {
                    // BPDA: the defended image forwards, the identity backwards.
                    let shift = path
                        .transform(input)
                        .map_err(|err| defence(&err))?
                        .sub(input.clone());
                    leaf.clone().add(shift.autodiff())
                }
            };
            let logits = model.forward(seen);
            let objective = match self.loss {
                SegmentationLoss::Bce => bce_per_image(logits, reference.clone()),
                SegmentationLoss::Dice => soft_dice_loss_per_image(logits, reference.clone()),
                SegmentationLoss::Target(_) => bce_per_image(logits, reference.clone()).neg(),
            };
            total = Some(match total {
                Some(sum) => sum.add(objective),
                None => objective,
            });
        }
        let per_image = total.ok_or(SegmentationError::NoGradient)?;
        let values = read_back(
            per_image
                .clone()
                .without_autodiff()
                .div_scalar(draws as f32),
        )?;
        let grads = per_image.sum().backward();
        count_backward_pass();
        let gradient = leaf.grad(&grads).ok_or(SegmentationError::NoGradient)?;
        Ok((values, gradient))
    }
}

/// A defence's failure inside the attack, as a segmentation error.
fn defence(err: &crate::attacks::AttackError) -> SegmentationError {
    SegmentationError::InvalidParameter(err.to_string())
}

#[cfg(test)]
#[path = "attack_tests.rs"]
mod tests;
