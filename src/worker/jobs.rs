//! The worker thread's side: the state it owns and how each request is carried out.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};

use super::{ScanSource, WorkerEvent, WorkerRequest};
use crate::attacks::{AttackControl, AttackKind};
use crate::device::ComputeDevice;
use crate::imaging::{Scan, load_scan, load_scan_bytes};
use crate::models::{LoadedModel, load_model_files, load_shipped};
use crate::pipeline::sweep::{SweepSpec, epsilon_sweep};
use crate::pipeline::{AttackRequest, AttackSpec, FgsmSession, iteration_replay, run_pipeline};

pub(super) struct WorkerState {
    requests: Receiver<WorkerRequest>,
    events: Sender<WorkerEvent>,
    notify: Arc<dyn Fn() + Send + Sync>,
    latest_attack: Arc<AtomicU64>,
    latest_sweep: Arc<AtomicU64>,
    device: Option<ComputeDevice>,
    model: Option<LoadedModel>,
    scan: Option<Arc<Scan>>,
    /// The cached FGSM gradient, keyed by [`AttackSpec::gradient_key`] (dropped whenever the scan
    /// or the model changes).
    fgsm: Option<(AttackSpec, FgsmSession)>,
}

impl WorkerState {
    /// The state of a new worker thread.
    pub(super) fn new(
        requests: Receiver<WorkerRequest>,
        events: Sender<WorkerEvent>,
        notify: Arc<dyn Fn() + Send + Sync>,
        latest_attack: Arc<AtomicU64>,
        latest_sweep: Arc<AtomicU64>,
    ) -> Self {
        Self {
            requests,
            events,
            notify,
            latest_attack,
            latest_sweep,
            device: None,
            model: None,
            scan: None,
            fgsm: None,
        }
    }

    fn emit(&self, event: WorkerEvent) {
        // A send fails only once the window has gone: there is no one left to tell.
        self.events.send(event).ok();
        (self.notify)();
    }

    fn error(&self, context: &str, message: &impl ToString) {
        self.emit(WorkerEvent::Error {
            context: context.to_string(),
            message: message.to_string(),
        });
    }

    pub(super) fn run(mut self, make_device: impl FnOnce() -> Result<ComputeDevice, String>) {
        match catch_unwind(AssertUnwindSafe(make_device)) {
            Ok(Ok(device)) => {
                self.emit(WorkerEvent::DeviceReady(Box::new(device.clone())));
                self.device = Some(device);
            }
            Ok(Err(message)) => {
                self.error(
                    "starting the device",
                    &format!("{message}; using the CPU instead"),
                );
                self.device = Some(ComputeDevice::cpu());
                self.emit(WorkerEvent::DeviceReady(Box::new(ComputeDevice::cpu())));
            }
            Err(_) => {
                self.error(
                    "starting the device",
                    &"the GPU driver crashed; using the CPU instead",
                );
                self.device = Some(ComputeDevice::cpu());
                self.emit(WorkerEvent::DeviceReady(Box::new(ComputeDevice::cpu())));
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
            WorkerRequest::Attack { generation, spec } => self.attack(&device, generation, &spec),
            WorkerRequest::ReplayIterations { generation, spec } => {
                self.replay(&device, generation, *spec);
            }
            WorkerRequest::Animate {
                spec,
                settings,
                path,
            } => {
                let (Some(model), Some(scan)) = (&self.model, &self.scan) else {
                    return self.error("writing the animation", &"open a scan and a model first");
                };
                let request = AttackRequest {
                    scan: (**scan).clone(),
                    spec: *spec,
                };
                match crate::export::write_attack_animation(
                    model,
                    &request,
                    &device,
                    settings,
                    &path,
                    &AttackControl::default(),
                ) {
                    Ok(()) => self.emit(WorkerEvent::AnimationWritten(path)),
                    Err(err) => self.error("writing the animation", &err),
                }
            }
            WorkerRequest::Sweep {
                generation,
                attack,
                max_epsilon,
                points,
                true_label,
                defense,
                versus,
            } => {
                let (Some(model), Some(scan)) = (&self.model, &self.scan) else {
                    return;
                };
                let latest = self.latest_sweep.clone();
                let stop = move || latest.load(Ordering::SeqCst) != generation;
                let control = AttackControl {
                    should_stop: Some(&stop),
                    ..AttackControl::default()
                };
                let spec = SweepSpec {
                    attack: *attack,
                    max_epsilon,
                    points,
                    true_label,
                    defense: defense.map(|boxed| *boxed),
                    versus: versus.map(|boxed| *boxed),
                };
                match epsilon_sweep(model, scan, &spec, &device, &control) {
                    Ok(sweep) => self.emit(WorkerEvent::SweepDone { generation, sweep }),
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

    /// A callback that sends (done, in all) of the attack's steps, or of its explanation's
    /// masked passes when `explaining`, to the window.
    fn progress_reporter(
        &self,
        generation: u64,
        explaining: bool,
    ) -> impl Fn(usize, usize) + Sync + use<> {
        let events = self.events.clone();
        let notify = self.notify.clone();
        move |done: usize, total: usize| {
            // Progress is advisory; a closed window ignores it.
            events
                .send(WorkerEvent::Progress {
                    generation,
                    done,
                    total,
                    explaining,
                })
                .ok();
            notify();
        }
    }

    /// A check that is true once a newer attack request has superseded `generation`.
    fn superseded(&self, generation: u64) -> impl Fn() -> bool + Sync + use<> {
        let latest = self.latest_attack.clone();
        move || latest.load(Ordering::SeqCst) != generation
    }

    /// Reports the outcome of the attack request `generation`: its event while it is still
    /// the newest, nothing for a cancelled or superseded run, the error under `context`.
    fn report_attack<T>(
        &self,
        generation: u64,
        outcome: Result<T, crate::pipeline::PipelineError>,
        context: &str,
        event: impl FnOnce(T) -> WorkerEvent,
    ) {
        match outcome {
            Ok(value) if self.latest_attack.load(Ordering::SeqCst) == generation => {
                self.emit(event(value));
            }
            Ok(_)
            | Err(crate::pipeline::PipelineError::Attack(crate::attacks::AttackError::Cancelled)) =>
                {}
            Err(err) => self.error(context, &err),
        }
    }

    fn attack(&mut self, device: &ComputeDevice, generation: u64, spec: &AttackSpec) {
        let (Some(model), Some(scan)) = (&self.model, &self.scan) else {
            let missing = if self.scan.is_none() {
                "open a scan first"
            } else {
                "choose a model first"
            };
            return self.error("running the attack", &missing);
        };
        // The scan is copied into a request only where one is needed: not on every FGSM ε move.
        let request = || AttackRequest {
            scan: (**scan).clone(),
            spec: spec.clone(),
        };
        let explaining = self.progress_reporter(generation, true);
        let result = if spec.attack.kind == AttackKind::Fgsm {
            let control = AttackControl {
                on_explanation_step: Some(&explaining),
                ..AttackControl::default()
            };
            let key = spec.gradient_key();
            if self.fgsm.as_ref().is_none_or(|(cached, _)| *cached != key) {
                match FgsmSession::new(model, &request(), device) {
                    Ok(session) => self.fgsm = Some((key, session)),
                    Err(err) => return self.error("running FGSM", &err),
                }
            }
            match &self.fgsm {
                Some((_, session)) => {
                    session.result_deferring_detection(model, device, spec, &control)
                }
                None => return,
            }
        } else {
            let stop = self.superseded(generation);
            let progress = self.progress_reporter(generation, false);
            let control = AttackControl {
                should_stop: Some(&stop),
                on_step: Some(&progress),
                on_explanation_step: Some(&explaining),
                ..AttackControl::default()
            };
            run_pipeline(model, &request(), device, &control)
        };
        let detection_to_follow = result
            .as_ref()
            .ok()
            .filter(|result| result.detection_pending)
            .map(|result| result.adversarial_prediction.probs.clone());
        self.report_attack(generation, result, "running the attack", |result| {
            WorkerEvent::AttackDone {
                generation,
                result: Arc::new(result),
            }
        });
        if let Some(probs) = detection_to_follow {
            self.follow_with_detection(generation, spec, &probs);
        }
    }

    /// Scores the FGSM result just sent with the detector, unless a newer request has already
    /// superseded it (a hand dragging the slider skips the scores of the values it passes).
    fn follow_with_detection(&self, generation: u64, spec: &AttackSpec, probs: &[f32]) {
        let (Some(model), Some((_, session))) = (&self.model, &self.fgsm) else {
            return;
        };
        if (self.superseded(generation))() {
            return;
        }
        let detection = session.detection_at(model, spec, probs);
        self.report_attack(generation, detection, "scoring the detector", |detection| {
            WorkerEvent::DetectionDone {
                generation,
                detection,
            }
        });
    }
}

impl WorkerState {
    /// Runs an iteration replay and reports its steps (unless a newer attack superseded it).
    fn replay(&mut self, device: &ComputeDevice, generation: u64, spec: AttackSpec) {
        let (Some(model), Some(scan)) = (&self.model, &self.scan) else {
            return self.error("replaying the iterations", &"open a scan and a model first");
        };
        let request = AttackRequest {
            scan: (**scan).clone(),
            spec,
        };
        let stop = self.superseded(generation);
        let progress = self.progress_reporter(generation, false);
        let control = AttackControl {
            should_stop: Some(&stop),
            on_step: Some(&progress),
            ..AttackControl::default()
        };
        let outcome = iteration_replay(model, &request, device, &control);
        self.report_attack(generation, outcome, "replaying the iterations", |steps| {
            WorkerEvent::IterationsReplayed {
                generation,
                steps: steps.into_iter().map(Arc::new).collect(),
            }
        });
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
            WorkerRequest::Attack { generation, .. }
            | WorkerRequest::ReplayIterations { generation, .. } => *generation == latest_attack,
            WorkerRequest::Sweep { generation, .. } => *generation == latest_sweep,
            _ => true,
        })
        .collect()
}
