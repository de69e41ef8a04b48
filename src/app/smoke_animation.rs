//! The smoke test's animation step: export the ε animation as the window's *Export
//! animation…* does and check that the GIF decodes with every frame.

use std::path::PathBuf;

use super::smoke::{Phase, SmokeTest};
use super::{AdvlensApp, Command};
use crate::attacks::{AttackConfig, AttackKind};

/// Where the smoke test's animation goes: beside the screenshot.
fn animation_path(test: &SmokeTest) -> PathBuf {
    test.screenshot.with_file_name("smoke_animation.gif")
}

/// Exports the ε animation of FGSM at 2/255 as the window's *Export animation…* does, then
/// checks the GIF decodes with every frame.
pub(super) fn animation_phase(app: &mut AdvlensApp, test: &SmokeTest, sent: bool) -> Phase {
    let path = animation_path(test);
    if !sent {
        app.session.settings.spec.attack = AttackConfig::new(AttackKind::Fgsm, 2.0 / 255.0);
        app.push(Command::ExportAnimation(Some(path)));
        return Phase::Animation { sent: true };
    }
    if !app.session.errors.is_empty() {
        eprintln!(
            "smoke test: exporting the animation failed: {:?}",
            app.session.errors
        );
        std::process::exit(1);
    }
    if app.last_export() != Some(path.display().to_string().as_str()) {
        return Phase::Animation { sent };
    }
    let expected = super::play::EXPORTED_ANIMATION.frames;
    match crate::export::count_gif_frames(&path) {
        Ok(frames) if frames == expected => {
            println!(
                "smoke test: the exported animation decodes with its {frames} frames ({})",
                path.display()
            );
            Phase::Screenshot { requested: false }
        }
        Ok(frames) => {
            eprintln!("smoke test: the animation has {frames} frames, not {expected}");
            std::process::exit(1);
        }
        Err(err) => {
            eprintln!("smoke test: the animation does not decode: {err}");
            std::process::exit(1);
        }
    }
}
