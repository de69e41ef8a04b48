//! The background worker behind the GUI: one named thread that owns the compute device, the
//! loaded model and scan, and runs every request off the UI thread. Requests carry a
//! generation number; a newer attack or sweep supersedes older ones (they are dropped from the
//! queue, or stopped between steps), so stale results never reach the UI. A panic in a job
//! becomes an error event. Nothing here knows about egui: the UI passes a `notify` callback.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError, channel};
use std::thread::JoinHandle;

use crate::attacks::{AttackConfig, AttackControl, AttackKind};
use crate::device::{ComputeDevice, DevicePreference, select_device};
use crate::imaging::{LoadOptions, Scan, load_scan, load_scan_bytes};
use crate::models::{LoadedModel, ModelCard, load_model_files, load_shipped};
use crate::pipeline::{AttackRequest, AttackResult, FgsmSession, run_pipeline};
use crate::sweep::{SweepPoint, epsilon_sweep};

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
        /// The attack.
        attack: AttackConfig,
        /// The true label, if known.
        true_label: Option<usize>,
        /// A test-time defence, if any.
        defense: Option<crate::defenses::DefenseConfig>,
    },
    /// Compute the ε-sweep curve for an attack.
    Sweep {
        /// Generation.
        generation: u64,
        /// The attack (its ε is ignored).
        attack: AttackConfig,
        /// The largest ε of the curve.
        max_epsilon: f64,
        /// Points on the curve.
        points: usize,
        /// The true label, if known.
        true_label: Option<usize>,
    },
}

/// What the worker reports.
#[derive(Debug, Clone)]
pub enum WorkerEvent {
    /// The device is up.
    DeviceReady(String),
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
    },
    /// An attack finished.
    AttackDone {
        /// Its generation.
        generation: u64,
        /// The result.
        result: Arc<AttackResult>,
    },
    /// A sweep finished.
    SweepDone {
        /// Its generation.
        generation: u64,
        /// The curve.
        points: Vec<SweepPoint>,
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
        let (request_tx, request_rx) = channel();
        let (event_tx, event_rx) = channel();
        let latest_attack = Arc::new(AtomicU64::new(0));
        let latest_sweep = Arc::new(AtomicU64::new(0));
        let state = WorkerState {
            requests: request_rx,
            events: event_tx,
            notify,
            latest_attack: latest_attack.clone(),
            latest_sweep: latest_sweep.clone(),
            device: None,
            model: None,
            scan: None,
            fgsm: None,
        };
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
            WorkerRequest::Attack { generation: g, .. } => {
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
        let _ = self.requests.send(request);
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
        let (closed, _) = channel();
        self.requests = closed; // drop the sender so the worker loop ends
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct WorkerState {
    requests: Receiver<WorkerRequest>,
    events: Sender<WorkerEvent>,
    notify: Arc<dyn Fn() + Send + Sync>,
    latest_attack: Arc<AtomicU64>,
    latest_sweep: Arc<AtomicU64>,
    device: Option<ComputeDevice>,
    model: Option<LoadedModel>,
    scan: Option<Arc<Scan>>,
    fgsm: Option<(FgsmKey, FgsmSession)>,
}

/// What an FGSM gradient depends on.
#[derive(Debug, Clone, PartialEq)]
struct FgsmKey {
    scan: usize,
    model: String,
    target: crate::attacks::TargetSpec,
    label: Option<usize>,
}

impl WorkerState {
    fn emit(&self, event: WorkerEvent) {
        let _ = self.events.send(event);
        (self.notify)();
    }

    fn error(&self, context: &str, message: &impl ToString) {
        self.emit(WorkerEvent::Error {
            context: context.to_string(),
            message: message.to_string(),
        });
    }

    fn run(mut self, make_device: impl FnOnce() -> Result<ComputeDevice, String>) {
        match catch_unwind(AssertUnwindSafe(make_device)) {
            Ok(Ok(device)) => {
                self.emit(WorkerEvent::DeviceReady(device.description.clone()));
                self.device = Some(device);
            }
            Ok(Err(message)) => {
                self.error(
                    "starting the device",
                    &format!("{message}; using the CPU instead"),
                );
                self.device = Some(ComputeDevice::cpu());
                self.emit(WorkerEvent::DeviceReady(ComputeDevice::cpu().description));
            }
            Err(_) => {
                self.error(
                    "starting the device",
                    &"the GPU driver crashed; using the CPU instead",
                );
                self.device = Some(ComputeDevice::cpu());
                self.emit(WorkerEvent::DeviceReady(ComputeDevice::cpu().description));
            }
        }
        while let Ok(first) = self.requests.recv() {
            let mut batch = vec![first];
            while let Ok(more) = self.requests.try_recv() {
                batch.push(more);
            }
            for request in collapse(
                batch,
                self.latest_attack.load(Ordering::SeqCst),
                self.latest_sweep.load(Ordering::SeqCst),
            ) {
                let outcome = catch_unwind(AssertUnwindSafe(|| self.handle(request)));
                if outcome.is_err() {
                    self.error(
                        "running the request",
                        &"an internal error occurred (the worker recovered; please report this)",
                    );
                }
            }
        }
    }

    fn handle(&mut self, request: WorkerRequest) {
        let Some(device) = self.device.clone() else {
            return;
        };
        match request {
            WorkerRequest::LoadScan { source, options } => {
                let loaded = match &source {
                    ScanSource::Path(path) => load_scan(path, &options),
                    ScanSource::Bytes { name, bytes } => load_scan_bytes(bytes, name, &options),
                };
                match loaded {
                    Ok(scan) => {
                        let scan = Arc::new(scan);
                        self.scan = Some(scan.clone());
                        self.fgsm = None;
                        self.emit(WorkerEvent::ScanLoaded(scan));
                    }
                    Err(err) => self.error("opening the scan", &err),
                }
            }
            WorkerRequest::LoadShippedModel(name) => match load_shipped(&name, &device.device) {
                Ok(model) => self.set_model(model),
                Err(err) => self.error("loading the model", &err),
            },
            WorkerRequest::LoadWeights { weights, card } => {
                match load_model_files(&weights, *card, &device.device) {
                    Ok(model) => self.set_model(model),
                    Err(err) => self.error("loading the weights", &err),
                }
            }
            WorkerRequest::Attack {
                generation,
                attack,
                true_label,
                defense,
            } => self.attack(&device, generation, &attack, true_label, defense),
            WorkerRequest::Sweep {
                generation,
                attack,
                max_epsilon,
                points,
                true_label,
            } => {
                let (Some(model), Some(scan)) = (&self.model, &self.scan) else {
                    return;
                };
                let latest = self.latest_sweep.clone();
                let stop = move || latest.load(Ordering::SeqCst) != generation;
                let control = AttackControl {
                    should_stop: Some(&stop),
                    on_step: None,
                };
                match epsilon_sweep(
                    model,
                    scan,
                    &attack,
                    max_epsilon,
                    points,
                    true_label,
                    &device,
                    &control,
                ) {
                    Ok(points) => self.emit(WorkerEvent::SweepDone { generation, points }),
                    Err(crate::pipeline::PipelineError::Attack(
                        crate::attacks::AttackError::Cancelled,
                    )) => {}
                    Err(err) => self.error("computing the ε sweep", &err),
                }
            }
        }
    }

    fn set_model(&mut self, model: LoadedModel) {
        let card = Box::new(model.card.clone());
        self.model = Some(model);
        self.fgsm = None;
        self.emit(WorkerEvent::ModelLoaded(card));
    }

    fn attack(
        &mut self,
        device: &ComputeDevice,
        generation: u64,
        attack: &AttackConfig,
        true_label: Option<usize>,
        defense: Option<crate::defenses::DefenseConfig>,
    ) {
        let (Some(model), Some(scan)) = (&self.model, &self.scan) else {
            return;
        };
        let request = AttackRequest {
            scan: (**scan).clone(),
            attack: attack.clone(),
            true_label,
            defense,
        };
        let result = if attack.kind == AttackKind::Fgsm {
            let key = FgsmKey {
                scan: Arc::as_ptr(scan) as usize,
                model: model.name.clone(),
                target: attack.target,
                label: true_label,
            };
            if self.fgsm.as_ref().is_none_or(|(cached, _)| *cached != key) {
                match FgsmSession::new(model, &request, device) {
                    Ok(session) => self.fgsm = Some((key, session)),
                    Err(err) => return self.error("running FGSM", &err),
                }
            }
            match &self.fgsm {
                Some((_, session)) => {
                    session.result_at(model, device, attack, request.defense.as_ref())
                }
                None => return,
            }
        } else {
            let latest = self.latest_attack.clone();
            let stop = move || latest.load(Ordering::SeqCst) != generation;
            let events = self.events.clone();
            let notify = self.notify.clone();
            let progress = move |done: usize, total: usize| {
                let _ = events.send(WorkerEvent::Progress {
                    generation,
                    done,
                    total,
                });
                notify();
            };
            let control = AttackControl {
                should_stop: Some(&stop),
                on_step: Some(&progress),
            };
            run_pipeline(model, &request, device, &control)
        };
        match result {
            Ok(result) if self.latest_attack.load(Ordering::SeqCst) == generation => {
                self.emit(WorkerEvent::AttackDone {
                    generation,
                    result: Arc::new(result),
                });
            }
            Ok(_)
            | Err(crate::pipeline::PipelineError::Attack(crate::attacks::AttackError::Cancelled)) =>
                {}
            Err(err) => self.error("running the attack", &err),
        }
    }
}

/// Keeps every load request in order and only the newest attack and sweep.
fn collapse(
    batch: Vec<WorkerRequest>,
    latest_attack: u64,
    latest_sweep: u64,
) -> Vec<WorkerRequest> {
    batch
        .into_iter()
        .filter(|request| match request {
            WorkerRequest::Attack { generation, .. } => *generation == latest_attack,
            WorkerRequest::Sweep { generation, .. } => *generation == latest_sweep,
            _ => true,
        })
        .collect()
}
