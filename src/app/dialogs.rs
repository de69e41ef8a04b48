//! Native file dialogs (rfd) on a helper thread, so a slow or missing desktop portal never
//! freezes the window. Where no dialog can be shown, the path fields in the panels still work,
//! and a dialog that closes with no choice faster than a person could cancel it is taken as
//! "no dialog here", so the window can say so once.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

/// A dialog that closes with no choice sooner than this never reached the user: no desktop
/// portal or dialog backend answered.
pub const UNAVAILABLE_WITHIN: Duration = Duration::from_millis(400);

/// What a dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    /// Pick a scan to open.
    OpenScan,
    /// Pick a weight file.
    OpenWeights,
    /// Pick a folder to export into.
    ExportFolder,
    /// Pick a universal perturbation (`uap.json`).
    OpenUniversal,
    /// Pick a folder of labelled scans (one sub-folder per class) to evaluate.
    EvaluationFolder,
    /// Choose where the data-set report goes.
    SaveReport,
    /// Pick a lecture scenario to open.
    OpenScenario,
    /// Choose where the ε animation goes.
    SaveAnimation,
    /// Choose where a new scenario goes.
    SaveScenario,
    /// Pick a scan to segment.
    OpenSegmentationScan,
    /// Pick a folder to export the segmentation into.
    SegmentationExportFolder,
}

/// A dialog that may still be open.
pub struct PendingDialog {
    purpose: DialogPurpose,
    answer: Receiver<Option<PathBuf>>,
    opened: Instant,
}

/// How a dialog closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogAnswer {
    /// The user chose this path.
    Chosen(PathBuf),
    /// The user cancelled.
    Cancelled,
    /// No dialog could be shown (it closed with no choice at once).
    Unavailable,
}

impl PendingDialog {
    /// Opens a dialog on its own thread.
    #[must_use]
    pub fn open(purpose: DialogPurpose) -> Self {
        // One answer per dialog: a queue of one never blocks the dialog thread.
        let (sender, answer) = sync_channel(1);
        let spawned = std::thread::Builder::new()
            .name("advlens-dialog".to_string())
            .spawn(move || {
                let dialog = rfd::FileDialog::new();
                let picked = match purpose {
                    DialogPurpose::OpenScan | DialogPurpose::OpenSegmentationScan => dialog
                        .set_title("Open scan")
                        .add_filter(
                            "Scans",
                            &["png", "jpg", "jpeg", "tif", "tiff", "dcm", "dicom"],
                        )
                        .add_filter("All files", &["*"])
                        .pick_file(),
                    DialogPurpose::OpenWeights => dialog
                        .set_title("Load weights")
                        .add_filter("safetensors", &["safetensors"])
                        .pick_file(),
                    DialogPurpose::ExportFolder | DialogPurpose::SegmentationExportFolder => {
                        dialog.set_title("Export into folder").pick_folder()
                    }
                    DialogPurpose::OpenUniversal => dialog
                        .set_title("Load a universal perturbation (advlens uap)")
                        .add_filter("uap.json", &["json"])
                        .pick_file(),
                    DialogPurpose::EvaluationFolder => dialog
                        .set_title("Folder of labelled scans (one sub-folder per class)")
                        .pick_folder(),
                    DialogPurpose::OpenScenario => dialog
                        .set_title("Open a lecture scenario")
                        .add_filter("scenario", &["json"])
                        .pick_file(),
                    DialogPurpose::SaveScenario => dialog
                        .set_title("Save the current state as a scenario")
                        .set_file_name("scenario.json")
                        .add_filter("scenario", &["json"])
                        .save_file(),
                    DialogPurpose::SaveAnimation => dialog
                        .set_title("Save the ε animation")
                        .set_file_name("epsilon.gif")
                        .add_filter("GIF", &["gif"])
                        .save_file(),
                    DialogPurpose::SaveReport => dialog
                        .set_title("Save the robustness report")
                        .set_file_name("advlens-report.html")
                        .add_filter("HTML", &["html"])
                        .save_file(),
                };
                // The window may have stopped waiting (it closed): the answer is then moot.
                sender.send(picked).ok();
            });
        if spawned.is_err() {
            let (sender, answer) = sync_channel(1);
            // The receiver is right here, so the one message always fits.
            sender.send(None).ok();
            return Self {
                purpose,
                answer,
                opened: Instant::now(),
            };
        }
        Self {
            purpose,
            answer,
            opened: Instant::now(),
        }
    }

    /// `Some(answer)` once the dialog closed.
    pub fn poll(&self) -> Option<(DialogPurpose, DialogAnswer)> {
        let closed = match self.answer.try_recv() {
            Ok(answer) => answer,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => None,
        };
        Some((self.purpose, classify(closed, self.opened.elapsed())))
    }
}

/// A dialog's result and how long it was open, in words the window acts on.
#[must_use]
pub fn classify(closed: Option<PathBuf>, open_for: Duration) -> DialogAnswer {
    match closed {
        Some(path) => DialogAnswer::Chosen(path),
        None if open_for < UNAVAILABLE_WITHIN => DialogAnswer::Unavailable,
        None => DialogAnswer::Cancelled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_empty_answer_means_no_dialog_and_a_slow_one_a_cancel() {
        assert_eq!(
            classify(None, Duration::from_millis(20)),
            DialogAnswer::Unavailable
        );
        assert_eq!(
            classify(None, Duration::from_secs(3)),
            DialogAnswer::Cancelled
        );
        assert_eq!(
            classify(Some(PathBuf::from("a.png")), Duration::from_millis(1)),
            DialogAnswer::Chosen(PathBuf::from("a.png"))
        );
    }
}
