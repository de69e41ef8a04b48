//! Gradient attacks on the [0, 1] pixel scale — FGSM, BIM, PGD (L∞ and L2, random start,
//! restarts) and MI-FGSM, untargeted or targeted — and the random-noise control of the same
//! size; each can attack through a defence (BPDA and EOT, Athalye et al. 2018). All tensor work runs as Burn operations on the model's device; randomness comes from
//! a seeded generator, so a seed reproduces a result bit for bit.

mod adaptive;
mod config;
mod control;
mod epsilon;
mod error;
mod fgsm;
mod gradient;
mod iterative;
mod naming;
mod noise;
mod projection;
pub(crate) mod random;
mod route;
mod run;

pub use adaptive::{DefenseGradientPath, loss_gradient_through};
pub use config::{AttackConfig, AttackKind, NoiseDistribution, Norm, TargetSpec};
pub use control::AttackControl;
pub use epsilon::{
    display_scale, epsilon_key_step, epsilon_limit, format_epsilon, format_radius,
    format_radius_short, parse_epsilon, parse_radius,
};
pub use error::AttackError;
pub use fgsm::FgsmGradient;
pub use gradient::{labels_tensor, loss_gradient};
pub use projection::project;
pub use route::GradientRoute;
pub use run::{
    AttackOutcome, attack_succeeded, predicted_class, probabilities, resolve_target, run_attack,
};
