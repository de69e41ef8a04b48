//! The ε-sweep curve: the true class's probability as ε grows, for any attack, and the
//! smallest ε that flips the prediction (bisected between grid points, `flip.rs`). FGSM
//! reuses one gradient for every point; the other attacks run once per point, with the same
//! seed.

mod defended;
mod flip;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

pub use defended::{DefendedSetting, DefendedSweep};
pub use flip::{
    FLIP_TOLERANCE_L2, FLIP_TOLERANCE_LINF, FlipBound, FlipEstimate, bisect_flip, flip_tolerance,
};

use super::AttackSpec;
use super::prepared::Prepared;
use crate::attacks::{
    AttackConfig, AttackControl, AttackError, AttackKind, DefenseGradientPath, FgsmGradient,
    attack_succeeded, predicted_class, probabilities, run_attack,
};
use crate::defenses::{DefenseConfig, DefensePath, defended_predict};
use crate::device::ComputeDevice;
use crate::imaging::{Scan, model_input_from_scan};
use crate::models::{LoadedModel, ModelPair};
use crate::pipeline::PipelineError;

/// One point of the curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// ε on the [0, 1] scale.
    pub epsilon: f64,
    /// Probability of the true (or clean-predicted) class.
    pub true_class_probability: f32,
    /// The predicted class at this ε.
    pub predicted: usize,
}

/// A computed sweep: the curve, the classes it is about, and the smallest flipping ε.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The grid and the bisection probes, in increasing ε.
    pub points: Vec<SweepPoint>,
    /// The class whose probability the curve shows (true label, or the clean prediction).
    pub label: usize,
    /// The class a targeted attack aims for; a flip then means reaching it.
    pub target: Option<usize>,
    /// The smallest ε found to flip the prediction, if any ε in range does.
    pub flip: Option<FlipEstimate>,
    /// The same curve for the defended model, under an unaware and an adaptive attack, when a
    /// defence was given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub defended: Vec<DefendedSweep>,
    /// A second attack's curve on the same axes (say FGSM against PGD), the model alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versus: Option<Box<VersusSweep>>,
}

/// A second attack's curve: the model alone under it, with its own flip point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersusSweep {
    /// The attack (its ε is ignored).
    pub attack: AttackConfig,
    /// The grid and the bisection probes, in increasing ε.
    pub points: Vec<SweepPoint>,
    /// The smallest ε found to flip the prediction, if any ε in range does.
    pub flip: Option<FlipEstimate>,
}

impl Sweep {
    /// Whether a point counts as flipped: left the label, or (targeted) reached the target.
    #[must_use]
    pub fn flips(&self, point: &SweepPoint) -> bool {
        attack_succeeded(point.predicted, self.label, self.target)
    }
}

/// What to sweep: the attack (its ε is replaced), the grid, and the label.
#[derive(Debug, Clone)]
pub struct SweepSpec {
    /// The attack; its ε is ignored.
    pub attack: AttackConfig,
    /// Largest ε of the grid.
    pub max_epsilon: f64,
    /// Grid points, evenly spaced from 0 to `max_epsilon` inclusive (at least 2).
    pub points: usize,
    /// The true class, when known; otherwise the clean prediction.
    pub true_label: Option<usize>,
    /// A defence to sweep through as well: the defended model's curve under an attack that
    /// ignores it and under one that attacks through it.
    pub defense: Option<DefenseConfig>,
    /// A second attack to sweep on the same axes, the model alone (with the same label, seed
    /// and region); an iterative one at most [`DEFENDED_POINTS`] grid points.
    pub versus: Option<AttackConfig>,
}

/// Evaluates the sweep on a scan.
///
/// # Errors
/// [`PipelineError`], including a cancelled attack.
pub fn epsilon_sweep(
    model: &LoadedModel,
    scan: &Scan,
    spec: &SweepSpec,
    device: &ComputeDevice,
    control: &AttackControl<'_>,
) -> Result<Sweep, PipelineError> {
    let clean = model_input_from_scan(scan, model.card.spec.input_size, &device.device);
    Ok(sweep_input(&model.models, &clean, spec, control)?)
}

/// Evaluates the sweep on one model input (`[1, 1, h, w]` in [0, 1]): the even grid, then
/// bisection of the first flip to [`flip_tolerance`], with the same attack and seed — for the
/// model alone and, when the spec names a defence, for the defended model under an unaware and
/// an adaptive attack.
///
/// # Errors
/// [`AttackError`], including [`AttackError::Cancelled`] and an out-of-range label.
pub fn sweep_input(
    models: &ModelPair,
    clean: &Tensor<4>,
    spec: &SweepSpec,
    control: &AttackControl<'_>,
) -> Result<Sweep, AttackError> {
    let attack_spec = AttackSpec {
        attack: spec.attack.clone(),
        true_label: spec.true_label,
        ..AttackSpec::default()
    };
    let prepared = Prepared::from_input(models, clean.clone(), &attack_spec)?;
    let (label, target) = (prepared.label, prepared.target);
    let alone = sweep_curve(models, &prepared, spec, control, Setting::Alone)?;
    let mut defended = Vec::new();
    if let Some(defense) = &spec.defense {
        for setting in [DefendedSetting::Unaware, DefendedSetting::Adaptive] {
            let (points, flip) = sweep_curve(
                models,
                &prepared,
                spec,
                control,
                Setting::Defended(defense, setting),
            )?;
            defended.push(DefendedSweep {
                setting,
                points,
                flip,
            });
        }
    }
    let versus = match &spec.versus {
        Some(attack) => {
            let mut second = attack.clone();
            second.seed = spec.attack.seed;
            second.target = spec.attack.target;
            second.region = spec.attack.region;
            let points = if second.kind == AttackKind::Fgsm {
                spec.points
            } else {
                spec.points.min(DEFENDED_POINTS)
            };
            let versus_spec = SweepSpec {
                attack: second.clone(),
                points,
                defense: None,
                versus: None,
                ..spec.clone()
            };
            let curve = sweep_input(models, clean, &versus_spec, control)?;
            Some(Box::new(VersusSweep {
                attack: second,
                points: curve.points,
                flip: curve.flip,
            }))
        }
        None => None,
    };
    let (points, flip) = alone;
    Ok(Sweep {
        points,
        label,
        target,
        flip,
        defended,
        versus,
    })
}

/// Most grid points of a defended curve.
pub const DEFENDED_POINTS: usize = 9;

/// Which model a curve attacks and judges.
#[derive(Clone, Copy)]
enum Setting<'a> {
    /// The model alone.
    Alone,
    /// The defended model, attacked unaware of the defence or through it.
    Defended(&'a DefenseConfig, DefendedSetting),
}

/// One curve: the grid, then the bisected first flip.
fn sweep_curve(
    models: &ModelPair,
    prepared: &Prepared,
    spec: &SweepSpec,
    control: &AttackControl<'_>,
    setting: Setting<'_>,
) -> Result<(Vec<SweepPoint>, Option<FlipEstimate>), AttackError> {
    let (clean, label, target, aim) = (
        &prepared.clean,
        prepared.label,
        prepared.target,
        prepared.aim(),
    );
    let (judge, path) = match setting {
        Setting::Alone => (None, None),
        Setting::Defended(defense, DefendedSetting::Unaware) => (Some(defense), None),
        Setting::Defended(defense, DefendedSetting::Adaptive) => {
            (Some(defense), Some(DefensePath::new(defense.clone())))
        }
    };
    let through = path.as_ref().map(|p| p as &dyn DefenseGradientPath);
    let control = AttackControl {
        through,
        ..*control
    };
    let fgsm = if spec.attack.kind == AttackKind::Fgsm {
        Some(
            FgsmGradient::compute_through(
                &models.differentiable,
                clean.clone(),
                &[aim],
                target.is_some(),
                through,
            )?
            .within(spec.attack.region.as_ref()),
        )
    } else {
        None
    };
    let mut evaluate = |epsilon: f64| -> Result<SweepPoint, AttackError> {
        if control.should_stop.is_some_and(|stop| stop()) {
            return Err(AttackError::Cancelled);
        }
        let adversarial = if let Some(gradient) = &fgsm {
            gradient.apply(epsilon)
        } else {
            let config = AttackConfig {
                epsilon,
                ..spec.attack.clone()
            };
            run_attack(models, clean, &[aim], target.is_some(), &config, &control)?.adversarial
        };
        let probs = match judge {
            None => probabilities(models, &adversarial)?,
            Some(defense) => {
                defended_predict(&models.inference, &adversarial, defense)
                    .map_err(|err| AttackError::InvalidParameter(err.to_string()))?
                    .probabilities
            }
        }
        .into_iter()
        .next()
        .unwrap_or_default();
        Ok(SweepPoint {
            epsilon,
            true_class_probability: probs.get(label).copied().unwrap_or(0.0),
            predicted: predicted_class(&probs),
        })
    };
    // A defended point costs a defended prediction (hundreds of passes for a vote): its grid is
    // coarser, and bisection still finds its flip to the same tolerance.
    let count = match setting {
        Setting::Alone => spec.points.max(2),
        Setting::Defended(..) => spec.points.clamp(2, DEFENDED_POINTS),
    };
    let grid = (0..count)
        .map(|index| evaluate(spec.max_epsilon * index as f64 / (count - 1) as f64))
        .collect::<Result<Vec<_>, _>>()?;
    let ray = matches!(spec.attack.kind, AttackKind::Fgsm | AttackKind::Noise);
    let flips = |point: &SweepPoint| attack_succeeded(point.predicted, label, target);
    let (flip, probes) = bisect_flip(
        &grid,
        &flips,
        &mut evaluate,
        flip_tolerance(spec.attack.norm()),
        ray,
    )?;
    let mut points = grid;
    points.extend(probes);
    points.sort_by(|a, b| a.epsilon.total_cmp(&b.epsilon));
    Ok((points, flip))
}
