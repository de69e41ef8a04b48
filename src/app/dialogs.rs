//! Native file dialogs (rfd) on a helper thread, so a slow or missing desktop portal never
//! freezes the window. Where no dialog can be shown, the path fields in the panels still work.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError, sync_channel};

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
}

/// A dialog that may still be open.
pub struct PendingDialog {
    purpose: DialogPurpose,
    answer: Receiver<Option<PathBuf>>,
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
                    DialogPurpose::OpenScan => dialog
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
                    DialogPurpose::ExportFolder => {
                        dialog.set_title("Export into folder").pick_folder()
                    }
                    DialogPurpose::OpenUniversal => dialog
                        .set_title("Load a universal perturbation (advlens uap)")
                        .add_filter("uap.json", &["json"])
                        .pick_file(),
                };
                // The window may have stopped waiting (it closed): the answer is then moot.
                sender.send(picked).ok();
            });
        if spawned.is_err() {
            let (sender, answer) = sync_channel(1);
            // The receiver is right here, so the one message always fits.
            sender.send(None).ok();
            return Self { purpose, answer };
        }
        Self { purpose, answer }
    }

    /// `Some(answer)` once the dialog closed (`None` inside = cancelled or no dialog).
    pub fn poll(&self) -> Option<(DialogPurpose, Option<PathBuf>)> {
        match self.answer.try_recv() {
            Ok(answer) => Some((self.purpose, answer)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some((self.purpose, None)),
        }
    }
}
