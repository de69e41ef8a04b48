//! What the data-set view knows: the evaluations (one per model, partial while they run), how
//! far the run is, and what the user picked to look at — the attack, the ε of the confusion
//! matrices and the gallery's filters.

use std::sync::Arc;
use std::time::Instant;

use crate::eval::ScanEvaluation;

/// How far a running evaluation is.
#[derive(Debug, Clone, Copy)]
pub struct EvaluationProgress {
    /// Which model of the run (0: the main one).
    pub model: usize,
    /// Models in the run.
    pub models: usize,
    /// Scans done for that model.
    pub done: usize,
    /// Scans planned per model.
    pub total: usize,
    /// When the run started.
    pub started: Instant,
    /// When this model's evaluation started.
    pub model_started: Instant,
}

impl EvaluationProgress {
    /// Scans per second for the current model (`None` before the first batch).
    #[must_use]
    pub fn rate(&self) -> Option<f64> {
        let seconds = self.model_started.elapsed().as_secs_f64();
        (self.done > 0 && seconds > 0.0).then(|| self.done as f64 / seconds)
    }

    /// Seconds left for the whole run, at the current rate.
    #[must_use]
    pub fn seconds_left(&self) -> Option<f64> {
        let rate = self.rate()?;
        let left = (self.total - self.done.min(self.total))
            + self.total * (self.models - 1 - self.model.min(self.models - 1));
        Some(left as f64 / rate)
    }
}

/// The data-set view's state.
#[derive(Debug, Default)]
pub struct DatasetSession {
    /// One evaluation per model of the last run (partial while it runs or after a cancel).
    pub evaluations: Vec<Arc<ScanEvaluation>>,
    /// The running evaluation's progress; `None` when idle.
    pub progress: Option<EvaluationProgress>,
    /// Counts the runs started, so that thumbnails of an earlier run are not reused.
    pub run: u64,
    /// Bumped whenever the evaluations change, so that thumbnails know to refresh.
    pub revision: u64,
    /// The attack the histogram, confusion matrices and gallery show, once the user picks
    /// one (until then the strongest).
    pub attack: Option<usize>,
    /// The ε index of the adversarial confusion matrix (`None`: the largest).
    pub epsilon: Option<usize>,
    /// Show only scans of this true class.
    pub filter_true: Option<usize>,
    /// Show only scans the attack turned into this class.
    pub filter_predicted: Option<usize>,
    /// Where the last report went.
    pub last_report: Option<String>,
}

impl DatasetSession {
    /// The main evaluation, if any.
    #[must_use]
    pub fn main(&self) -> Option<&ScanEvaluation> {
        self.evaluations.first().map(AsRef::as_ref)
    }

    /// Whether an evaluation is running.
    #[must_use]
    pub fn running(&self) -> bool {
        self.progress.is_some()
    }

    /// The ε index the confusion matrices use: the chosen one, else the largest ε.
    #[must_use]
    pub fn confusion_epsilon(&self) -> usize {
        let Some(main) = self.main() else {
            return 0;
        };
        self.epsilon
            .filter(|&e| e < main.epsilons.len())
            .or_else(|| main.attacked_epsilon_order().last().copied())
            .unwrap_or(0)
    }

    /// The attack shown: the one picked (kept within range), else the strongest.
    #[must_use]
    pub fn shown_attack(&self) -> usize {
        self.main().map_or(0, |main| {
            self.attack
                .filter(|&a| a < main.attacks.len())
                .unwrap_or_else(|| main.strongest_attack())
        })
    }
}
