//! *Play* and *Export animation…* (and the commands of the history strip, which also bring
//! back earlier runs): the window steps ε from 0 to the slider's largest value,
//! one step as soon as the previous result is drawn (so slow attacks play slower, never
//! skipping a frame), and writes the same sweep as a GIF for slides on the worker.

use std::path::PathBuf;

use super::dialogs::{DialogPurpose, PendingDialog};
use super::{AdvlensApp, Command};
use crate::attacks::epsilon_limit;
use crate::export::AnimationSettings;
use crate::pipeline::animation_epsilons;
use crate::worker::WorkerRequest;

/// Steps of *Play*.
pub const PLAY_STEPS: usize = 33;
/// Frames and speed of *Export animation…*.
pub const EXPORTED_ANIMATION: AnimationSettings = AnimationSettings {
    frames: 24,
    fps: 6.0,
};

/// A running *Play*: the ε still to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Playing {
    /// Every step's ε.
    pub epsilons: Vec<f64>,
    /// The next step.
    pub next: usize,
}

impl AdvlensApp {
    /// Carries out a command of *Play*, the animation or the history; returns it back when it
    /// is not one.
    pub(super) fn apply_playback_command(&mut self, command: Command) -> Option<Command> {
        match command {
            Command::TogglePlay => self.toggle_play(),
            Command::ExportAnimation(None) => {
                self.ui_state.dialog = Some(PendingDialog::open(DialogPurpose::SaveAnimation));
            }
            Command::ExportAnimation(Some(path)) => self.export_animation(path),
            Command::ToggleHistory => self.ui_state.shown.history = !self.ui_state.shown.history,
            Command::RestoreHistory(index) => self.restore_history(index),
            other => return Some(other),
        }
        None
    }

    /// Starts or stops *Play*.
    pub(super) fn toggle_play(&mut self) {
        if self.session.playing.take().is_some() {
            return;
        }
        let attack = &self.session.settings.spec.attack;
        if !attack.kind.uses_epsilon() {
            return self.session.errors.push(format!(
                "Play sweeps ε, and {} has none",
                attack.kind.label()
            ));
        }
        let largest = epsilon_limit(attack.norm(), self.session.settings.max_epsilon_255);
        self.session.playing = Some(Playing {
            epsilons: animation_epsilons(largest, PLAY_STEPS),
            next: 0,
        });
    }

    /// Shows the next ε of *Play* once the previous result has arrived.
    pub(super) fn advance_play(&mut self) {
        let Some(playing) = &mut self.session.playing else {
            return;
        };
        if self.session.status.awaiting_result {
            return;
        }
        match playing.epsilons.get(playing.next).copied() {
            Some(epsilon) => {
                playing.next += 1;
                self.commands
                    .push(super::Command::SetEpsilon { epsilon, run: true });
            }
            None => self.session.playing = None,
        }
    }

    /// Asks the worker for the GIF of the current attack from ε 0 to the current ε.
    pub(super) fn export_animation(&mut self, path: PathBuf) {
        let spec = self.session.settings.spec.clone();
        if !spec.attack.kind.uses_epsilon() || spec.attack.epsilon <= 0.0 {
            return self.session.errors.push(
                "The animation runs ε from 0 to the current ε: choose an attack with ε and set ε above 0".to_string(),
            );
        }
        self.session.status.busy = Some("writing the animation…".to_string());
        self.worker.send(WorkerRequest::Animate {
            spec: Box::new(spec),
            settings: EXPORTED_ANIMATION,
            path,
        });
    }
}
