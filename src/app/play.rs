//! *Play*, the iteration replay and *Export animation…* (and the commands of the history
//! strip, which also bring back earlier runs): the window steps ε from 0 to the slider's
//! largest value at the chosen speed, the next step only once the previous result is drawn (so
//! slow attacks play slower, never skipping a frame); the replay shows an iterative attack's
//! steps one by one; the worker writes the ε sweep as a GIF for slides.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::dialogs::{DialogPurpose, PendingDialog};
use super::{AdvlensApp, Command};
use crate::attacks::epsilon_limit;
use crate::export::AnimationSettings;
use crate::pipeline::{AttackResult, animation_epsilons};
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
    /// When the last step was asked for.
    pub last_step: Option<Instant>,
}

/// A running iteration replay: the attack's steps, each a full result, and the next to show.
#[derive(Debug, Clone)]
pub struct Replay {
    /// One result per step; the attack's answer last.
    pub steps: Vec<Arc<AttackResult>>,
    /// The next step to show.
    pub next: usize,
    /// When the last step was shown.
    pub last_step: Option<Instant>,
}

/// Whether a frame shown at `last` has been on screen long enough at `speed` frames per
/// second.
fn due(last: Option<Instant>, speed: f32) -> bool {
    let interval = Duration::from_secs_f32(1.0 / speed.clamp(0.25, 30.0));
    last.is_none_or(|shown| shown.elapsed() >= interval)
}

impl AdvlensApp {
    /// Carries out a command of *Play*, the animation or the history; returns it back when it
    /// is not one.
    pub(super) fn apply_playback_command(&mut self, command: Command) -> Option<Command> {
        match command {
            Command::TogglePlay => self.toggle_play(),
            Command::ToggleReplay => self.toggle_replay(),
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
        self.session.replay = None;
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
            last_step: None,
        });
    }

    /// Asks the worker for the current attack's steps, or stops a replay.
    pub(super) fn toggle_replay(&mut self) {
        if self.session.replay.take().is_some() {
            return;
        }
        let spec = self.session.settings.spec.clone();
        if !spec.attack.kind.replays_iterations() {
            return self.session.errors.push(format!(
                "Replay shows the steps of BIM, PGD and MI-FGSM; {} reports none",
                spec.attack.kind.label()
            ));
        }
        self.session.playing = None;
        self.session.status.awaiting_result = true;
        self.session.status.running = true;
        self.session.status.progress = None;
        self.worker.send(WorkerRequest::ReplayIterations {
            generation: 0,
            spec: Box::new(spec),
        });
    }

    /// Shows the next step of a replay once the last has been on screen for a frame's time;
    /// the last step (the attack's answer) stays.
    pub(super) fn advance_replay(&mut self) {
        let speed = self.session.settings.play_speed;
        let Some(replay) = &mut self.session.replay else {
            return;
        };
        if !due(replay.last_step, speed) {
            return;
        }
        match replay.steps.get(replay.next).cloned() {
            Some(step) => {
                replay.next += 1;
                replay.last_step = Some(Instant::now());
                self.session.result = Some(step);
                self.session.result_id += 1;
            }
            None => self.session.replay = None,
        }
    }

    /// Shows the next ε of *Play* once the previous result has arrived.
    pub(super) fn advance_play(&mut self) {
        let Some(playing) = &mut self.session.playing else {
            return;
        };
        if self.session.status.awaiting_result
            || !due(playing.last_step, self.session.settings.play_speed)
        {
            return;
        }
        match playing.epsilons.get(playing.next).copied() {
            Some(epsilon) => {
                playing.next += 1;
                playing.last_step = Some(Instant::now());
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
