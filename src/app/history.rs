//! The history of results: the last [`MAX_HISTORY`] attacks on scans opened from files (model,
//! attack, ε, verdict, a small picture and the probabilities they gave), kept in the settings
//! so that it survives a restart. Moving the slider does not flood it: a result that differs
//! from the newest entry only in ε replaces that entry.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::imaging::{GreyImage, LoadOptions, Window, resize_grey};
use crate::pipeline::{AttackResult, AttackSpec};

/// Entries kept.
pub const MAX_HISTORY: usize = 20;
/// Side of the stored picture, in pixels.
pub const HISTORY_THUMBNAIL: usize = 40;

/// One past result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The scan file.
    pub scan: PathBuf,
    /// Its frame.
    pub frame: usize,
    /// Its window (`None`: the file's default).
    pub window: Option<Window>,
    /// The model.
    pub model: String,
    /// The attack, label, defence and explanation.
    pub spec: AttackSpec,
    /// The outcome in words ("Fooled: NORMAL → PNEUMONIA").
    pub verdict: String,
    /// The adversarial probabilities it gave (a restore is checked against them).
    pub adversarial_probs: Vec<f32>,
    /// The adversarial scan, `HISTORY_THUMBNAIL²` grey levels.
    pub thumbnail: Vec<u8>,
}

impl HistoryEntry {
    /// The entry of `result` on the scan at `scan` read with `options` (`classes` name the
    /// verdict's classes).
    #[must_use]
    pub fn of(
        result: &AttackResult,
        scan: PathBuf,
        options: LoadOptions,
        model: &str,
        spec: &AttackSpec,
        classes: &[String],
    ) -> Self {
        let small: GreyImage =
            resize_grey(&result.adversarial, HISTORY_THUMBNAIL, HISTORY_THUMBNAIL);
        Self {
            scan,
            frame: options.frame,
            window: options.window,
            model: model.to_string(),
            spec: AttackSpec {
                attack: result.attack.clone(),
                ..spec.clone()
            },
            verdict: result.outcome().verdict(result, classes),
            adversarial_probs: result.adversarial_prediction.probs.clone(),
            thumbnail: small
                .pixels
                .iter()
                .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
                .collect(),
        }
    }

    /// The load options it was made with.
    #[must_use]
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            frame: self.frame,
            window: self.window,
        }
    }

    /// Whether `other` is the same run but for ε (a slider move).
    fn same_but_epsilon(&self, other: &Self) -> bool {
        let mut attack = other.spec.attack.clone();
        attack.epsilon = self.spec.attack.epsilon;
        self.scan == other.scan
            && self.frame == other.frame
            && self.window == other.window
            && self.model == other.model
            && AttackSpec {
                attack,
                ..other.spec.clone()
            } == self.spec
    }
}

/// Puts `entry` at the front of `history` (replacing the newest when only ε differs), keeping
/// at most [`MAX_HISTORY`].
pub fn remember(history: &mut Vec<HistoryEntry>, entry: HistoryEntry) {
    if history
        .first()
        .is_some_and(|newest| newest.same_but_epsilon(&entry))
    {
        history[0] = entry;
        return;
    }
    history.insert(0, entry);
    history.truncate(MAX_HISTORY);
}
