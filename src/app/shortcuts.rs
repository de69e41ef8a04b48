//! Keyboard shortcuts and files dropped on the window, turned into commands.

use eframe::egui::{self, Key, Modifiers};

use super::{Command, Commands, Session};
use crate::attacks::epsilon_key_step;

/// Reads this frame's keys and drops.
pub fn handle(ctx: &egui::Context, session: &Session, commands: &mut Commands) {
    // Taken, not read: `logic` also runs for repaints of a hidden window, which would see the
    // same drop again.
    for file in ctx.input_mut(|i| std::mem::take(&mut i.raw.dropped_files)) {
        commands.push(Command::OpenScan(file.path().to_path_buf()));
    }
    if ctx.egui_wants_keyboard_input() {
        return;
    }
    let pressed = |key: Key| ctx.input_mut(|i| i.consume_key(Modifiers::NONE, key));
    let pressed_command = |key: Key| ctx.input_mut(|i| i.consume_key(Modifiers::COMMAND, key));
    if pressed(Key::F1) || pressed(Key::Questionmark) {
        commands.push(Command::ToggleHelp);
    }
    if pressed(Key::P) {
        commands.push(Command::TogglePresentation);
    }
    if pressed(Key::L) {
        commands.push(Command::ToggleLecture);
    }
    if pressed(Key::C) && session.settings.presentation {
        commands.push(Command::ToggleControls);
    }
    if session.lecture.shown {
        // Presentation clickers send PageDown/PageUp (some send the arrow keys).
        if pressed(Key::PageDown) || pressed(Key::ArrowRight) {
            commands.push(Command::StepScenario(1));
        }
        if pressed(Key::PageUp) || pressed(Key::ArrowLeft) {
            commands.push(Command::StepScenario(-1));
        }
    }
    if pressed_command(Key::O) {
        commands.push(Command::PickScan);
    }
    if pressed_command(Key::E) {
        commands.push(Command::Export(None));
    }
    if pressed(Key::R) {
        commands.push(Command::AttackChanged {
            run: true,
            sweep: true,
        });
    }
    if pressed(Key::Escape) && session.status.running {
        commands.push(Command::Cancel);
    }
    let step = if pressed(Key::CloseBracket) {
        1.0
    } else if pressed(Key::OpenBracket) {
        -1.0
    } else {
        0.0
    };
    if step != 0.0 {
        let attack = &session.settings.spec.attack;
        commands.push(Command::SetEpsilon {
            epsilon: attack.epsilon + step * epsilon_key_step(attack.norm()),
            run: true,
        });
    }
}
