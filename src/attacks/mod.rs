//! Attacks on the [0, 1] pixel scale, untargeted or targeted: the gradient-sign family (FGSM,
//! BIM, PGD in L∞ and L2 with random start and restarts, MI-FGSM), APGD-CE/DLR and
//! AutoAttack-lite (the strongest-known budgeted attacks), DeepFool and Carlini–Wagner L2 (the
//! minimal ones), the sparse JSMA, the score-based Square (L∞ and L2) and few-pixel (L0) attacks, universal
//! perturbations fitted on a set, and the random-noise control of the same
//! size. Each attack that differentiates does so through one seam (`objective.rs`), so it can
//! attack through a defence (exact, BPDA and EOT, Athalye et al. 2018); the score-based one
//! queries the defended model. Model passes and the gradient-sign updates run as Burn
//! operations on the model's device; the per-image bookkeeping of DeepFool, Square and
//! AutoAttack (nearest boundary, square proposals, stage sub-batches) runs on the host.
//! Randomness comes from a seeded generator, so a seed reproduces a result bit for bit.

mod adaptive;
mod apgd;
mod apgd_ascent;
mod autoattack;
mod carlini_wagner;
mod config;
mod config_checks;
mod control;
mod deepfool;
mod epsilon;
mod error;
mod few_pixel;
mod fgsm;
mod gradient;
mod iterative;
mod jsma;
mod kind;
mod losses;
mod naming;
mod noise;
mod objective;
mod per_image;
mod projection;
mod queries;
pub(crate) mod random;
mod region;
mod route;
mod run;
mod square;
mod square_l2;
mod universal;

pub use adaptive::{DefenseGradientPath, loss_gradient_through};
pub(crate) use apgd_ascent::{AscentBudget, AscentStop, Measured, apgd_ascent};
pub use autoattack::AttackStage;
pub use config::{AttackConfig, NoiseDistribution, Norm, TargetSpec};
pub use control::AttackControl;
pub use epsilon::{
    display_scale, epsilon_key_step, epsilon_limit, format_epsilon, format_radius,
    format_radius_short, parse_epsilon, parse_radius,
};
pub use error::AttackError;
pub use fgsm::FgsmGradient;
pub use gradient::{labels_tensor, loss_gradient};
pub use kind::AttackKind;
pub use losses::dlr_min_classes;
pub use objective::backward_passes_on_this_thread;
pub(crate) use objective::{AttackedModel, count_backward_pass, differentiate};
pub use projection::project;
pub(crate) use projection::random_point_in_ball;
pub use region::{Region, accepts_region};
pub use route::GradientRoute;
pub use run::{
    AttackOutcome, attack_succeeded, predicted_class, probabilities, resolve_target, run_attack,
};
pub use universal::{
    PatchPlacement, UniversalPerturbation, count_fooled, fit_patch, fit_universal,
};
