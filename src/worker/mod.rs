//! The background worker behind the GUI: one named thread that owns the compute device, the
//! loaded model and scan, and runs every request off the UI thread. Requests carry a
//! generation number; a newer attack or sweep supersedes older ones (they are dropped from the
//! queue, or stopped between steps), so stale results never reach the UI. A panic in a job
//! becomes an error event. Nothing here knows about egui: the UI passes a `notify` callback.

mod evaluation;
mod jobs;
mod segmentation;

pub use evaluation::{EvaluationEvent, EvaluationRequest, EvaluationRunner};
pub use segmentation::{SegmentationEvent, SegmentationJob, SegmentationRunner};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;

use crate::attacks::AttackConfig;
use crate::device::{ComputeDevice, DevicePreference, select_device};
use crate::imaging::{LoadOptions, Scan};
use crate::models::ModelCard;
use crate::pipeline::AttackResult;
use crate::pipeline::AttackSpec;
use crate::pipeline::sweep::Sweep;
use jobs::WorkerState;

/// Where a scan comes from.
#[derive(Debug, Clone)]
pub enum ScanSource {
    /// A file on disk.
    Path(PathBuf),
    /// Bytes (drag-and-drop without a path), with a name for messages.
    Bytes {
        /// File name.
        name: String,
        /// Contents.
        bytes: Arc<Vec<u8>>,
    },
}

/// What the UI asks for.
#[derive(Debug, Clone)]
pub enum WorkerRequest {
    /// Read a scan (frame and window in the options).
    LoadScan {
        /// Source.
        source: ScanSource,
        /// Frame and window.
        options: LoadOptions,
    },
    /// Load a shipped model by name.
    LoadShippedModel(String),
    /// Load the user's own weights described by a card.
    LoadWeights {
        /// The safetensors file.
        weights: PathBuf,
        /// The card that describes them.
        card: Box<ModelCard>,
    },
    /// Run an attack on the current scan and model.
    Attack {
        /// Generation (newer supersedes older).
        generation: u64,
        /// The attack, label, defence, explanation and whether the attack goes through the
        /// defence (boxed: it is the largest request by far).
        spec: Box<AttackSpec>,
    },
    /// Write the ε animation of an attack on the current scan and model as a GIF.
    Animate {
        /// The attack (animated from ε 0 to its ε), label, defence and explanation.
        spec: Box<AttackSpec>,
        /// Frames and speed.
        settings: crate::export::AnimationSettings,
        /// Where the GIF goes.
        path: PathBuf,
    },
    /// Replay an iterative attack's steps: one full result per step. It counts as an attack
    /// request (a newer attack supersedes it, and it supersedes a running one).
    ReplayIterations {
        /// Generation (an attack generation).
        generation: u64,
        /// The attack, label, defence and explanation.
        spec: Box<AttackSpec>,
    },
    /// Compute the ε-sweep curve for an attack.
    Sweep {
        /// Generation.
        generation: u64,
        /// The attack (its ε is ignored; boxed, as the attack request's spec is).
        attack: Box<AttackConfig>,
        /// The largest ε of the curve.
        max_epsilon: f64,
        /// Points on the curve.
        points: usize,
        /// The true label, if known.
        true_label: Option<usize>,
        /// The defence to sweep through as well (unaware and adaptive curves).
        defense: Option<Box<crate::defenses::DefenseConfig>>,
        /// A second attack drawn on the same axes.
        versus: Option<Box<AttackConfig>>,
    },
}

/// What the worker reports.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    /// The device is up (the data-set evaluations run on it too).
    DeviceReady(Box<ComputeDevice>),
    /// A scan was read.
    ScanLoaded(Arc<Scan>),
    /// A model was loaded.
    ModelLoaded(Box<ModelCard>),
    /// Steps done of an iterative attack.
    Progress {
        /// Generation of the attack.
        generation: u64,
        /// Steps done.
        done: usize,
        /// Steps in all.
        total: usize,
        /// Whether these are an explanation's masked forward passes rather than attack steps.
        explaining: bool,
    },
    /// An attack finished.
    AttackDone {
        /// Its generation.
        generation: u64,
        /// The result.
        result: Arc<AttackResult>,
    },
    /// The detector's scores for an attack result that was sent without them
    /// ([`AttackResult::detection_pending`]).
    DetectionDone {
        /// The generation of the attack they belong to.
        generation: u64,
        /// The scores (`None`: the model has no calibrated detector).
        detection: Option<crate::pipeline::Detection>,
    },
    /// A sweep finished.
    SweepDone {
        /// Its generation.
        generation: u64,
        /// The curve and its flip point.
        sweep: Sweep,
    },
    /// An animation was written.
    AnimationWritten(PathBuf),
    /// An iteration replay is ready: one result per step, the attack's answer last.
    IterationsReplayed {
        /// Its generation.
        generation: u64,
        /// The steps.
        steps: Vec<Arc<AttackResult>>,
    },
    /// Something failed; the previous state stays in place.
    Error {
        /// What was being done.
        context: String,
        /// The message for the user.
        message: String,
    },
}

/// The UI's end of the worker.
pub struct WorkerHandle {
    requests: Sender<WorkerRequest>,
    events: Receiver<WorkerEvent>,
    latest_attack: Arc<AtomicU64>,
    latest_sweep: Arc<AtomicU64>,
    next_generation: u64,
    thread: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Starts the worker thread; `notify` is called whenever an event is ready (for a repaint).
    ///
    /// # Errors
    /// The OS error if the thread cannot be spawned.
    pub fn spawn(
        preference: DevicePreference,
        notify: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<Self> {
        Self::spawn_with(
            move || select_device(preference).map_err(|err| err.to_string()),
            notify,
        )
    }

    /// Starts the worker on a device made by `make_device` (on the worker thread).
    ///
    /// # Errors
    /// The OS error if the thread cannot be spawned.
    pub fn spawn_with(
        make_device: impl FnOnce() -> Result<ComputeDevice, String> + Send + 'static,
        notify: Arc<dyn Fn() + Send + Sync>,
    ) -> std::io::Result<Self> {
        #[expect(
            clippy::disallowed_methods,
            reason = "the window must never block on a send; the worker drains the queue and collapses superseded requests to the newest"
        )]
        let (request_tx, request_rx) = channel();
        #[expect(
            clippy::disallowed_methods,
            reason = "the worker must never block on the window; the window drains every event each frame"
        )]
        let (event_tx, event_rx) = channel();
        let latest_attack = Arc::new(AtomicU64::new(0));
        let latest_sweep = Arc::new(AtomicU64::new(0));
        let state = WorkerState::new(
            request_rx,
            event_tx,
            notify,
            latest_attack.clone(),
            latest_sweep.clone(),
        );
        let thread = std::thread::Builder::new()
            .name("advlens-worker".to_string())
            .spawn(move || state.run(make_device))?;
        Ok(Self {
            requests: request_tx,
            events: event_rx,
            latest_attack,
            latest_sweep,
            next_generation: 1,
            thread: Some(thread),
        })
    }

    /// Sends a request; attack and sweep requests get a fresh generation, which is returned.
    pub fn send(&mut self, mut request: WorkerRequest) -> u64 {
        let generation = self.next_generation;
        match &mut request {
            WorkerRequest::Attack { generation: g, .. }
            | WorkerRequest::ReplayIterations { generation: g, .. } => {
                *g = generation;
                self.latest_attack.store(generation, Ordering::SeqCst);
            }
            WorkerRequest::Sweep { generation: g, .. } => {
                *g = generation;
                self.latest_sweep.store(generation, Ordering::SeqCst);
            }
            _ => {}
        }
        self.next_generation += 1;
        // A closed channel means the worker is gone; the UI shows that through events.
        // A send fails only once the worker has stopped (the window is closing).
        self.requests.send(request).ok();
        generation
    }

    /// Stops the running attack (if any) without starting another.
    pub fn cancel_attack(&mut self) {
        self.latest_attack
            .store(self.next_generation, Ordering::SeqCst);
        self.next_generation += 1;
    }

    /// The generation of the newest attack request.
    #[must_use]
    pub fn latest_attack(&self) -> u64 {
        self.latest_attack.load(Ordering::SeqCst)
    }

    /// The generation of the newest sweep request.
    #[must_use]
    pub fn latest_sweep(&self) -> u64 {
        self.latest_sweep.load(Ordering::SeqCst)
    }

    /// Events that have arrived, without blocking.
    #[must_use]
    pub fn poll(&self) -> Vec<WorkerEvent> {
        let mut events = Vec::new();
        loop {
            match self.events.try_recv() {
                Ok(event) => events.push(event),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return events,
            }
        }
    }

    /// Waits up to `timeout` for the next event (for tests and the command line).
    #[must_use]
    pub fn wait(&self, timeout: std::time::Duration) -> Option<WorkerEvent> {
        self.events.recv_timeout(timeout).ok()
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.cancel_attack();
        self.latest_sweep.store(u64::MAX, Ordering::SeqCst);
        #[expect(
            clippy::disallowed_methods,
            reason = "a disconnected sender of the same type: nothing is ever queued on it"
        )]
        let (closed, _) = channel();
        self.requests = closed; // drop the sender so the worker loop ends
        if let Some(thread) = self.thread.take() {
            // A worker that panicked already reported it as an error event; nothing is left
            // to do with its panic payload while the window closes.
            thread.join().ok();
        }
    }
}
