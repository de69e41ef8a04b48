//! The lecture mode's state: the scenarios (bundled, or one opened from a file), the one on
//! screen, whether its result reproduced the recording, and the words of a scenario being
//! saved.

use crate::export::ViewKind;
use crate::scenarios::ScenarioFile;

/// How the result of the scenario on screen compares with its recording.
#[derive(Debug, Clone, PartialEq)]
pub enum Reproduction {
    /// Its result has not arrived yet.
    Waiting,
    /// The same class and bit-identical probabilities.
    Exact,
    /// Something differs (another device, another version), in words.
    Differs(String),
}

/// The lecture mode.
#[derive(Debug, Default)]
pub struct LectureState {
    /// Whether the scenario bar is shown.
    pub shown: bool,
    /// The scenarios to step through.
    pub scenarios: Vec<ScenarioFile>,
    /// The one on screen.
    pub current: Option<usize>,
    /// Whether its result matched the recording.
    pub reproduction: Option<Reproduction>,
    /// The number of the last result on screen when the scenario was opened: only a later
    /// one is its own (the one on screen may still be the previous scenario's).
    pub opened_after_result: u64,
    /// The views the scenario asks for (empty: all).
    pub views: Vec<ViewKind>,
    /// Title of the scenario being saved.
    pub draft_title: String,
    /// Narration of the scenario being saved.
    pub draft_narration: String,
}

impl LectureState {
    /// Whether a view is shown under the current scenario.
    #[must_use]
    pub fn shows(&self, kind: ViewKind) -> bool {
        self.views.is_empty() || self.views.contains(&kind)
    }
}
