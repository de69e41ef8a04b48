//! The robustness table: accuracy of a model (optionally behind a defence, optionally
//! attacked through it) under each attack at each ε, on a labelled image set — the layout of
//! the reference survey's Table 4.

mod card_page;
mod certified;
mod confusion;
mod detector;
mod explanation_shift;
mod image_set;
mod run;
mod scan_batch;
mod scan_records;
mod scan_run;
mod scan_table;
mod table;

pub use card_page::{card_markdown, save_card};
pub use certified::{CertifiedTable, certified_accuracy, certified_markdown};
pub use confusion::{ClassScores, ConfusionMatrix, FlipHistogram};
pub use detector::{calibrate_detector, squeeze_scores_of};
pub use explanation_shift::{
    FaithfulnessRow, Quartiles, ShiftPlan, ShiftRow, explanation_shift_table, shift_csv,
    shift_markdown,
};
pub use image_set::{ImageSource, images_from_folder, images_from_split};
pub use run::{EvalPlan, evaluate_robustness};
pub use scan_records::{
    AttackColumn, FlipEvidence, Fragility, Judgement, NeededSize, ScanAttackRecord, ScanEvaluation,
    ScanRecord,
};
pub use scan_run::{EvalHooks, evaluate_scans};
pub use table::{table_csv, table_markdown};

/// Errors from an evaluation.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// An attack failed or was cancelled.
    #[error(transparent)]
    Attack(#[from] crate::attacks::AttackError),
    /// A defence failed.
    #[error(transparent)]
    Defense(#[from] crate::defenses::DefenseError),
    /// An explanation failed.
    #[error(transparent)]
    Explain(#[from] crate::explain::ExplainError),
    /// Reading images.
    #[error(transparent)]
    Imaging(#[from] crate::imaging::ImagingError),
    /// Anything else, in words.
    #[error("{0}")]
    Other(String),
}
