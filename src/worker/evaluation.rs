//! Data-set evaluations for the window: each runs on a thread of its own (so the single-scan
//! workbench stays responsive meanwhile), reports its records after every batch, and stops
//! between attack steps when cancelled, keeping the scans it finished. A panic in the
//! evaluation becomes an error event.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use std::time::{Duration, Instant};

use crate::device::ComputeDevice;
use crate::eval::{EvalHooks, EvalPlan, ImageSource, ScanEvaluation, evaluate_scans};
use crate::models::load_shipped;

/// The shortest time between two copies of the partial records sent to the window.
const PARTIAL_EVERY: Duration = Duration::from_millis(400);

/// What to evaluate: the same scans, plan and seed for every model (the first is the main
/// one; a second is compared on the same axes).
#[derive(Debug, Clone)]
pub struct EvaluationRequest {
    /// Shipped model names.
    pub models: Vec<String>,
    /// Where the scans come from.
    pub images: ImageSource,
    /// Attacks, ε, defence and batch size.
    pub plan: EvalPlan,
}

/// What an evaluation reports.
#[derive(Debug, Clone)]
pub enum EvaluationEvent {
    /// How far model `model` (an index into the request's models) is, after every batch.
    Counted {
        /// Which model.
        model: usize,
        /// Scans done.
        done: usize,
        /// Scans planned.
        total: usize,
    },
    /// The records so far of model `model` (at most a few times a second: each is a copy).
    Progress {
        /// Which model.
        model: usize,
        /// Its records so far.
        evaluation: Arc<ScanEvaluation>,
    },
    /// Every model is done (or the run was cancelled: the evaluations say how far they got).
    Finished(Vec<Arc<ScanEvaluation>>),
    /// It failed; the message is for the user.
    Failed(String),
}

/// The window's end of the evaluations.
pub struct EvaluationRunner {
    device: Option<ComputeDevice>,
    cancel: Arc<AtomicBool>,
    events: Option<Receiver<EvaluationEvent>>,
    notify: Arc<dyn Fn() + Send + Sync>,
}

impl EvaluationRunner {
    /// A runner that calls `notify` whenever an event is ready.
    #[must_use]
    pub fn new(notify: Arc<dyn Fn() + Send + Sync>) -> Self {
        Self {
            device: None,
            cancel: Arc::new(AtomicBool::new(false)),
            events: None,
            notify,
        }
    }

    /// The device the evaluations run on (the workbench's, once it is up).
    pub fn set_device(&mut self, device: ComputeDevice) {
        self.device = Some(device);
    }

    /// Starts `request`, stopping any evaluation still running.
    ///
    /// # Errors
    /// A message when the device is not up yet or no thread can be started.
    pub fn start(&mut self, request: EvaluationRequest) -> Result<(), String> {
        let device = self
            .device
            .clone()
            .ok_or_else(|| "the compute device is still starting; try again".to_string())?;
        self.cancel();
        let cancel = Arc::new(AtomicBool::new(false));
        self.cancel = cancel.clone();
        #[expect(
            clippy::disallowed_methods,
            reason = "the evaluation must never block on the window; the window drains every event each frame"
        )]
        let (sender, receiver) = channel();
        let notify = self.notify.clone();
        std::thread::Builder::new()
            .name("advlens-evaluation".to_string())
            .spawn(move || {
                let send = |event| {
                    // The window has dropped the receiver only when a newer run replaced it.
                    sender.send(event).ok();
                    notify();
                };
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    run(&request, &device, &cancel, &sender, &*notify)
                }));
                match outcome {
                    Ok(Ok(evaluations)) => send(EvaluationEvent::Finished(evaluations)),
                    Ok(Err(message)) => send(EvaluationEvent::Failed(message)),
                    Err(_) => send(EvaluationEvent::Failed(
                        "the evaluation stopped unexpectedly (an internal error); the results so far are kept".to_string(),
                    )),
                }
            })
            .map_err(|err| format!("could not start the evaluation thread: {err}"))?;
        self.events = Some(receiver);
        Ok(())
    }

    /// Asks the running evaluation to stop after the current attack step.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Events that have arrived, without blocking.
    #[must_use]
    pub fn poll(&self) -> Vec<EvaluationEvent> {
        let mut events = Vec::new();
        if let Some(receiver) = &self.events {
            while let Ok(event) = receiver.try_recv() {
                events.push(event);
            }
        }
        events
    }
}

impl Drop for EvaluationRunner {
    fn drop(&mut self) {
        self.cancel();
    }
}

fn run(
    request: &EvaluationRequest,
    device: &ComputeDevice,
    cancel: &AtomicBool,
    sender: &Sender<EvaluationEvent>,
    notify: &(dyn Fn() + Send + Sync),
) -> Result<Vec<Arc<ScanEvaluation>>, String> {
    let stop = || cancel.load(Ordering::SeqCst);
    let mut finished = Vec::with_capacity(request.models.len());
    let mut images = None;
    let mut classes: Option<Vec<String>> = None;
    for (index, name) in request.models.iter().enumerate() {
        let model = load_shipped(name, &device.device).map_err(|err| err.to_string())?;
        if let Some(first) = &classes {
            if *first != model.card.classes {
                return Err(format!(
                    "{name} has other classes ({}) than {} ({}); compare models of one task",
                    model.card.classes.join(", "),
                    request.models[0],
                    first.join(", ")
                ));
            }
        } else {
            classes = Some(model.card.classes.clone());
        }
        if images.is_none() {
            images = Some(
                request
                    .images
                    .load_for(&model)
                    .map_err(|err| err.to_string())?,
            );
        }
        let Some(images) = images.as_ref() else {
            break;
        };
        let mut last_copy: Option<Instant> = None;
        let mut on_batch = |partial: &ScanEvaluation| {
            sender
                .send(EvaluationEvent::Counted {
                    model: index,
                    done: partial.done(),
                    total: partial.planned,
                })
                .ok();
            // Copying the records after every batch of one would cost O(n²); a copy a few
            // times a second keeps the partial results on screen.
            if last_copy.is_none_or(|t| t.elapsed() >= PARTIAL_EVERY) {
                last_copy = Some(Instant::now());
                sender
                    .send(EvaluationEvent::Progress {
                        model: index,
                        evaluation: Arc::new(partial.clone()),
                    })
                    .ok();
            }
            notify();
        };
        let evaluation = evaluate_scans(
            &model,
            images,
            &request.plan,
            device,
            &mut EvalHooks {
                should_stop: Some(&stop),
                on_batch: &mut on_batch,
            },
        )
        .map_err(|err| format!("{name}: {err}"))?;
        let complete = evaluation.finished;
        finished.push(Arc::new(evaluation));
        if !complete || stop() {
            break;
        }
    }
    Ok(finished)
}
