//! AutoAttack-lite: the standard AutoAttack sequence (Croce & Hein 2020) without FAB —
//! APGD-CE, then targeted APGD (DLR towards each of the next most likely classes, up to 9),
//! then Square — each run only on the images that every earlier stage failed to flip. An image
//! counts as robust only if it survives all stages. The robust images after each stage are
//! recorded so that a table can show what each stage added.
//!
//! On a model with fewer than 4 classes the targeted stage uses targeted cross-entropy (DLR
//! needs π₄), and the run says so.

use burn::tensor::{Device, Tensor, TensorData};

use super::apgd::{ApgdGoal, ApgdLoss, ApgdSettings, apgd};
use super::control::AttackControl;
use super::losses::ranking;
use super::objective::{AttackedLogits, host_values};
use super::per_image::fooled;
use super::queries::ScoreQueries;
use super::square::square_attack;
use super::{AttackConfig, AttackError};

/// At most this many target classes in the targeted stage (AutoAttack's standard).
const MAX_TARGETS: usize = 9;

/// One stage's result on a batch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttackStage {
    /// The stage, in words (`APGD-CE`, `APGD-T (DLR)`, `Square (5000 queries)`).
    pub name: String,
    /// Per image, whether it is still classified correctly after this and every earlier stage
    /// (the first stage is the clean check).
    pub robust: Vec<bool>,
}

/// What AutoAttack-lite found.
pub(crate) struct AutoAttackResult {
    /// The adversarial batch: each image's first successful stage's output, else the clean image.
    pub adversarial: Tensor<4>,
    /// The stages in order, starting with the clean check.
    pub stages: Vec<AttackStage>,
    /// Backward passes used.
    pub passes: usize,
    /// The most queries any image used in the Square stage.
    pub queries: usize,
    /// Notes on what ran differently from the standard (a loss replaced on a binary model).
    pub notes: Vec<String>,
}

/// The batch as AutoAttack's stages pass it on: host copies of the clean and adversarial
/// images, and which images every stage so far has failed to flip.
struct StageBatch<'a> {
    gradients: &'a dyn AttackedLogits,
    config: &'a AttackConfig,
    control: &'a AttackControl<'a>,
    labels: &'a [usize],
    clean: Vec<f32>,
    adversarial: Vec<f32>,
    robust: Vec<bool>,
    /// `[channels, height, width]`.
    shape: [usize; 3],
    device: Device,
    passes: usize,
    /// (gradient steps done, steps in all), for the progress report.
    progress: (usize, usize),
}

impl StageBatch<'_> {
    fn pixels(&self) -> usize {
        self.shape.iter().product()
    }

    /// The images every stage so far has failed to flip.
    fn remaining(&self) -> Vec<usize> {
        (0..self.robust.len()).filter(|i| self.robust[*i]).collect()
    }

    /// The clean images at `indices`, as a smaller batch.
    fn clean_of(&self, indices: &[usize]) -> Tensor<4> {
        let pixels = self.pixels();
        let picked: Vec<f32> = indices
            .iter()
            .flat_map(|&i| self.clean[i * pixels..(i + 1) * pixels].iter().copied())
            .collect();
        let [channels, height, width] = self.shape;
        Tensor::from_data(
            TensorData::new(picked, [indices.len(), channels, height, width]),
            &self.device,
        )
    }

    /// Takes a stage's result on the images at `indices`: the fooled ones keep it and leave
    /// the robust set.
    fn accept(
        &mut self,
        indices: &[usize],
        adversarial: Tensor<4>,
        fooled: &[bool],
    ) -> Result<(), AttackError> {
        let pixels = self.pixels();
        let values = host_values(adversarial)?;
        for (slot, &image) in indices.iter().enumerate() {
            if fooled[slot] {
                self.adversarial[image * pixels..(image + 1) * pixels]
                    .copy_from_slice(&values[slot * pixels..(slot + 1) * pixels]);
                self.robust[image] = false;
            }
        }
        Ok(())
    }

    /// One APGD run on the remaining images, towards `towards(image)` when targeted.
    fn apgd_stage(
        &mut self,
        loss: ApgdLoss,
        towards: Option<&dyn Fn(usize) -> usize>,
        stream: u64,
    ) -> Result<(), AttackError> {
        let indices = self.remaining();
        if indices.is_empty() {
            return Ok(());
        }
        let labels: Vec<usize> = indices.iter().map(|i| self.labels[*i]).collect();
        let targets: Option<Vec<usize>> = towards.map(|f| indices.iter().map(|&i| f(i)).collect());
        let settings = ApgdSettings {
            loss,
            norm: self.config.norm(),
            epsilon: self.config.epsilon,
            steps: self.config.steps,
            seed: self.config.seed,
            stream,
        };
        let result = apgd(
            self.gradients,
            &self.clean_of(&indices),
            ApgdGoal {
                away_from: Some(&labels),
                towards: targets.as_deref(),
            },
            &settings,
            self.control,
            self.progress,
        )?;
        self.passes += result.passes;
        self.progress.0 += self.config.steps;
        self.accept(&indices, result.adversarial, &result.fooled)
    }

    /// Square on the remaining images; returns the most queries any image used.
    fn square_stage(&mut self, scores: &dyn ScoreQueries) -> Result<usize, AttackError> {
        let indices = self.remaining();
        if indices.is_empty() {
            return Ok(0);
        }
        let labels: Vec<usize> = indices.iter().map(|i| self.labels[*i]).collect();
        let control = AttackControl {
            on_step: None,
            ..*self.control
        };
        let result = square_attack(
            scores,
            &self.clean_of(&indices),
            &labels,
            false,
            self.config,
            &control,
        )?;
        self.accept(&indices, result.adversarial, &result.fooled)?;
        Ok(result.queries.iter().copied().max().unwrap_or(0))
    }

    fn record(&self, name: String) -> AttackStage {
        AttackStage {
            name,
            robust: self.robust.clone(),
        }
    }
}

/// Runs AutoAttack-lite (untargeted) on a batch with true `labels`.
pub(crate) fn autoattack(
    gradients: &dyn AttackedLogits,
    scores: &dyn ScoreQueries,
    clean: &Tensor<4>,
    labels: &[usize],
    config: &AttackConfig,
    control: &AttackControl<'_>,
) -> Result<AutoAttackResult, AttackError> {
    let [images, channels, height, width] = clean.dims();
    let clean_host = host_values(clean.clone())?;
    let clean_logits = scores.logits(clean)?;
    let classes = clean_logits.first().map_or(0, Vec::len);
    let (targeted_loss, note) = ApgdLoss::Dlr.usable(classes, true);
    let targets = classes.saturating_sub(1).min(MAX_TARGETS);
    let total_steps = config.steps * (1 + targets);
    let mut batch = StageBatch {
        gradients,
        config,
        control,
        labels,
        adversarial: clean_host.clone(),
        clean: clean_host,
        robust: (0..images)
            .map(|i| !fooled(&clean_logits[i], labels[i], false))
            .collect(),
        shape: [channels, height, width],
        device: clean.device(),
        passes: 0,
        progress: (0, total_steps),
    };
    let mut stages = vec![batch.record("clean".to_string())];
    batch.apgd_stage(ApgdLoss::CrossEntropy, None, 400)?;
    stages.push(batch.record("APGD-CE".to_string()));
    // Towards the 2nd, 3rd, … most likely class of the clean image.
    for rank in 1..=targets {
        let towards = |image: usize| ranked_class(&clean_logits[image], rank);
        batch.apgd_stage(targeted_loss, Some(&towards), 500 + rank as u64)?;
    }
    let loss_name = if targeted_loss == ApgdLoss::Dlr {
        "DLR"
    } else {
        "CE"
    };
    stages.push(batch.record(format!("APGD-T ({loss_name})")));
    let queries = batch.square_stage(scores)?;
    stages.push(batch.record(format!("Square ({} queries)", config.queries)));
    if let Some(report) = control.on_step {
        report(total_steps, total_steps);
    }
    Ok(AutoAttackResult {
        adversarial: Tensor::from_data(
            TensorData::new(batch.adversarial, clean.dims()),
            &batch.device,
        ),
        stages,
        passes: batch.passes,
        queries,
        notes: note.into_iter().collect(),
    })
}

/// The class ranked `rank` (0 = most likely) by `logits`.
fn ranked_class(logits: &[f32], rank: usize) -> usize {
    let order = ranking(logits);
    order[rank.min(order.len().saturating_sub(1))]
}
