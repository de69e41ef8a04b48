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
    /// Show or hide the controls panel in presentation mode (where it starts hidden).
    ToggleControls,
    /// Toggle the About window (version, commit, backends, data licences).
    ToggleAbout,
    /// Dismiss the error banner.
    DismissErrors,
    /// Show the single-scan workbench or the data-set view.
    ShowTab(Tab),
    /// Start the data-set evaluation with the view's settings.
    RunEvaluation,
    /// Stop the running data-set evaluation, keeping the scans it finished.
    CancelEvaluation,
    /// Ask for a folder of labelled scans to evaluate.
    PickEvaluationFolder,
    /// Open an evaluated scan in the workbench with the evaluation's model, attack, defence
    /// and its flipping ε.
    OpenEvaluatedScan {
        /// Which evaluation (0: the main model's).
        evaluation: usize,
        /// Which record of it.
        record: usize,
    },
    /// Show this attack (an index into the evaluation's attacks) in the histogram, the
    /// confusion matrices and the gallery.
    ChooseEvaluationAttack(usize),
    /// Show or hide the lecture scenario bar (loading the bundled scenarios the first time).
    ToggleLecture,
    /// Go to the scenario this many steps away (−1 previous, +1 next).
    StepScenario(i32),
    /// Go to scenario number `n` (0-based) of the list.
    OpenScenario(usize),
    /// Ask for a scenario file to open.
    PickScenario,
    /// Open this scenario file (it joins the list and is shown).
    LoadScenario(PathBuf),
    /// Save the current scan, model, attack, defence and result as a scenario; `None` asks
    /// where.
    SaveScenario(Option<PathBuf>),
    /// Start or stop playing ε from 0 to the slider's largest value (the window steps ε as
    /// soon as each result is drawn).
    TogglePlay,
    /// Replay the current iterative attack's steps one by one (or stop a replay).
    ToggleReplay,
    /// Write the ε animation (0 to the current ε) as a GIF; `None` asks where.
    ExportAnimation(Option<PathBuf>),
    /// Show or hide the history strip.
    ToggleHistory,
    /// Pin the current result to compare the next ones with it side by side.
    PinResult,
    /// Leave compare mode.
    Unpin,
    /// Pin the current result and run the same attack on the shipped model's robust twin (or,
    /// from a robust model, its standard twin).
    CompareWithTwin,
    /// Restore history entry `n` (0: the newest).
    RestoreHistory(usize),
    /// Write the data-set report (HTML and per-scan CSV); `None` asks where.
    ExportReport(Option<PathBuf>),
    /// Ask for a scan to segment.
    PickSegmentationScan,
    /// Segment this scan.
    OpenSegmentationScan(PathBuf),
    /// Write the segmentation's figure, masks and numbers into a folder; `None` asks which.
    ExportSegmentation(Option<PathBuf>),
}

/// The window's views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// One scan: attack, explanation and defence side by side.
    #[default]
    Workbench,
    /// A set of scans: curves, confusion matrices and the failure gallery.
    Dataset,
    /// One scan segmented, and its mask attacked.
    Segmentation,
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
