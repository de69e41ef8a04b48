//! What panels ask for. Panels push commands while drawing; the app applies them afterwards in
//! one place.

use std::path::PathBuf;

use crate::attacks::Region;
use crate::imaging::Window;

/// A user action.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open a scan file.
    OpenScan(PathBuf),
    /// Show a file dialog to pick a scan.
    PickScan,
    /// Re-read the current scan with another frame and/or window.
    Reload {
        /// Frame.
        frame: usize,
        /// Window (`None` = the file's default).
        window: Option<Window>,
    },
    /// Switch to a shipped model.
    SelectModel(String),
    /// Show a file dialog to pick weights.
    PickWeights,
    /// Ask for a universal perturbation (`uap.json` from `advlens uap`).
    PickUniversal,
    /// Load this universal perturbation and attack with it.
    LoadUniversal(PathBuf),
    /// Load weights from a safetensors file (its card beside it, or the current model's).
    LoadWeights(PathBuf),
    /// The attack settings changed; `run` says whether to run now.
    AttackChanged {
        /// Run immediately (cheap attacks, slider released, Run pressed).
        run: bool,
        /// Recompute the ε-sweep curve too.
        sweep: bool,
    },
    /// Set ε (on the [0, 1] scale; clamped to the range the window offers for the attack's
    /// norm). Every ε change goes through here: the slider, `[` and `]`, a click on the sweep.
    SetEpsilon {
        /// The new ε.
        epsilon: f64,
        /// Run the attack now (cheap attacks, slider released, a key or a click).
        run: bool,
    },
    /// Stop the running attack.
    Cancel,
    /// Start or stop drawing the attack's region on the original view.
    ToggleRegionDrawing,
    /// Confine the attack to this region (`None`: the whole image) and run it again.
    SetRegion(Option<Region>),
    /// Export the current comparison into a folder.
    Export(Option<PathBuf>),
    /// Toggle presentation mode.
    TogglePresentation,
    /// Toggle the help overlay.
    ToggleHelp,
    /// Toggle the About window (version, commit, backends, data licences).
    ToggleAbout,
    /// Dismiss the error banner.
    DismissErrors,
}

/// The commands pushed this frame, applied together by the app's `logic`.
#[derive(Debug, Default)]
pub struct Commands(Vec<Command>);

impl Commands {
    /// Queues a command.
    pub fn push(&mut self, command: Command) {
        self.0.push(command);
    }

    /// Whether none is queued.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Takes the queued commands, in order.
    pub fn take(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.0)
    }
}
