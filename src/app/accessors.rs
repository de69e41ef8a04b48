//! What tests and the smoke test read of the app, and how they drive it: the settings, the
//! result, the scan, the errors, the sweep, the views' layout and the state of each mode.

use super::AdvlensApp;
use super::commands::{Command, Tab};
use super::compare::Pinned;
use super::dataset_session::DatasetSession;
use super::lecture::LectureState;
use super::session::StatusInfo;
use super::settings::Settings;
use super::ui_state::LayoutRecord;
use crate::imaging::Scan;
use crate::pipeline::AttackResult;
use crate::pipeline::sweep::Sweep;

impl AdvlensApp {
    /// The persisted settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.session.settings
    }

    /// Mutable settings (tests drive the app through these and [`Self::push`]).
    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.session.settings
    }

    /// The current result, if one has arrived for the current request.
    #[must_use]
    pub fn result(&self) -> Option<&AttackResult> {
        self.session.result.as_deref()
    }

    /// The current scan.
    #[must_use]
    pub fn scan(&self) -> Option<&Scan> {
        self.session.scan.as_deref()
    }

    /// Errors shown in the banner.
    #[must_use]
    pub fn errors(&self) -> &[String] {
        &self.session.errors
    }

    /// The sweep curve, once computed.
    #[must_use]
    pub fn sweep(&self) -> Option<&Sweep> {
        self.session.sweep.as_ref()
    }

    /// Status-line information.
    #[must_use]
    pub fn status(&self) -> &StatusInfo {
        &self.session.status
    }

    /// The folder of the last export, if any.
    #[must_use]
    pub fn last_export(&self) -> Option<&str> {
        self.session.last_export.as_deref()
    }

    /// The data-set view's evaluations and choices.
    #[must_use]
    pub fn dataset(&self) -> &DatasetSession {
        &self.session.dataset
    }

    /// The lecture mode: its scenarios, the one shown and whether it reproduced.
    #[must_use]
    pub fn lecture(&self) -> &LectureState {
        &self.session.lecture
    }

    /// Whether *Play* is stepping ε.
    #[must_use]
    pub fn is_playing(&self) -> bool {
        self.session.playing.is_some()
    }

    /// Whether an iteration replay is being shown, and how far: (steps shown, steps).
    #[must_use]
    pub fn replay_progress(&self) -> Option<(usize, usize)> {
        self.session
            .replay
            .as_ref()
            .map(|replay| (replay.next, replay.steps.len()))
    }

    /// The result pinned for comparison, if any.
    #[must_use]
    pub fn pinned(&self) -> Option<&Pinned> {
        self.session.pinned.as_ref()
    }

    /// Where the last frame drew the centre, the views and the sweep plot.
    #[must_use]
    pub fn layout(&self) -> &LayoutRecord {
        &self.ui_state.layout
    }

    /// The view shown.
    #[must_use]
    pub fn tab(&self) -> Tab {
        self.ui_state.tab
    }

    /// Queues a command, as a panel would.
    pub fn push(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Whether the worker is still busy with anything the UI waits for.
    #[must_use]
    pub fn is_busy(&self) -> bool {
        self.session.status.busy.is_some()
            || self.session.status.running
            || self.session.status.awaiting_result
    }
}
