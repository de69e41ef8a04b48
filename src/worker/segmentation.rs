//! Segmentation for the window: a thread of its own that keeps the loaded segmenter and scan,
//! answers the newest request only (older ones still queued are dropped; a running Dice-vs-ε
//! sweep stops between points when a newer request arrives), and reports each result and
//! sweep. A panic in a job becomes an error event.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::device::ComputeDevice;
use crate::segment::{
    LoadedSegmenter, PreparedScan, SegmentationAttack, SegmentationDefense, SegmentationResult,
    load_segmenter, prepare_scan, segment_scan,
};

/// What the window asks for: everything needed to segment one scan, so that the newest
/// request alone decides what is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentationJob {
    /// The shipped segmenter.
    pub model: String,
    /// The scan file.
    pub scan: PathBuf,
    /// Its true mask, if one is to be compared with.
    pub mask: Option<PathBuf>,
    /// The scan's pixel size in mm (the file's own when absent and it states one).
    pub pixel_size_mm: Option<f32>,
    /// The attack on the mask, if any.
    pub attack: Option<SegmentationAttack>,
    /// A test-time defence in front of the segmenter.
    pub defense: Option<crate::defenses::DefenseConfig>,
    /// Whether the attack goes through the defence (adaptive) rather than ignoring it.
    pub adaptive: bool,
    /// Points of the Dice-vs-ε curve (0: none) up to this ε.
    pub sweep: Option<(usize, f64)>,
}

/// What the segmentation thread reports.
#[derive(Debug, Clone)]
pub enum SegmentationEvent {
    /// The device is not up yet or a file could not be read: in words.
    Failed {
        /// The request it answers.
        generation: u64,
        /// The message for the user.
        message: String,
    },
    /// The result of a request.
    Done {
        /// The request it answers.
        generation: u64,
        /// The scan's file name.
        scan_name: String,
        /// The result.
        result: Arc<SegmentationResult>,
    },
    /// The Dice-vs-ε curve of a request: (ε, Dice against the reference).
    Swept {
        /// The request it answers.
        generation: u64,
        /// The points: (ε, Dice of the segmenter alone).
        points: Vec<(f64, f32)>,
        /// With a defence, the same for the defended mask (under the attack as chosen:
        /// unaware or adaptive).
        defended: Option<Vec<(f64, f32)>>,
    },
}

/// The window's end of the segmentation thread.
pub struct SegmentationRunner {
    requests: Option<Sender<(u64, SegmentationJob)>>,
    events: Receiver<SegmentationEvent>,
    latest: Arc<AtomicU64>,
    device: Arc<std::sync::Mutex<Option<ComputeDevice>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SegmentationRunner {
    /// Starts the thread; `notify` is called whenever an event is ready.
    ///
    /// # Errors
    /// The OS error if the thread cannot be spawned.
    pub fn spawn(notify: Arc<dyn Fn() + Send + Sync>) -> std::io::Result<Self> {
        #[expect(
            clippy::disallowed_methods,
            reason = "the window must never block on a send; the thread keeps only the newest request"
        )]
        let (request_tx, request_rx) = channel::<(u64, SegmentationJob)>();
        #[expect(
            clippy::disallowed_methods,
            reason = "the thread must never block on the window; the window drains every event each frame"
        )]
        let (event_tx, event_rx) = channel();
        let latest = Arc::new(AtomicU64::new(0));
        let device = Arc::new(std::sync::Mutex::new(None));
        let mut state = ThreadState {
            events: event_tx,
            notify,
            latest: latest.clone(),
            device: device.clone(),
            model: None,
            prepared: None,
        };
        let thread = std::thread::Builder::new()
            .name("advlens-segmentation".to_string())
            .spawn(move || {
                while let Ok(first) = request_rx.recv() {
                    let mut newest = first;
                    while let Ok(more) = request_rx.try_recv() {
                        newest = more;
                    }
                    let (generation, job) = newest;
                    if catch_unwind(AssertUnwindSafe(|| state.handle(generation, &job))).is_err() {
                        state.emit(SegmentationEvent::Failed {
                            generation,
                            message: "an internal error occurred while segmenting (the window recovered; please report this)".to_string(),
                        });
                    }
                }
            })?;
        Ok(Self {
            requests: Some(request_tx),
            events: event_rx,
            latest,
            device,
            thread: Some(thread),
        })
    }

    /// The device segmentation runs on (the workbench's, once it is up).
    pub fn set_device(&self, device: ComputeDevice) {
        if let Ok(mut slot) = self.device.lock() {
            *slot = Some(device);
        }
    }

    /// Sends a request; returns its generation (newer supersedes older).
    #[must_use]
    pub fn send(&self, job: SegmentationJob) -> u64 {
        let generation = self.latest.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(requests) = &self.requests {
            // A send fails only once the thread has stopped (the window is closing).
            requests.send((generation, job)).ok();
        }
        generation
    }

    /// Events that have arrived, without blocking.
    #[must_use]
    pub fn poll(&self) -> Vec<SegmentationEvent> {
        self.events.try_iter().collect()
    }

    /// Waits up to `timeout` for the next event (for tests).
    #[must_use]
    pub fn wait(&self, timeout: std::time::Duration) -> Option<SegmentationEvent> {
        self.events.recv_timeout(timeout).ok()
    }
}

impl Drop for SegmentationRunner {
    fn drop(&mut self) {
        self.latest.store(u64::MAX, Ordering::SeqCst);
        self.requests = None; // the thread's loop ends when the sender is gone
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

struct ThreadState {
    events: Sender<SegmentationEvent>,
    notify: Arc<dyn Fn() + Send + Sync>,
    latest: Arc<AtomicU64>,
    device: Arc<std::sync::Mutex<Option<ComputeDevice>>>,
    model: Option<LoadedSegmenter>,
    /// The scan last prepared and what it was prepared from (scan, mask, pixel size, model
    /// side): an ε or attack change reuses it instead of reading and decoding the files again.
    prepared: Option<(PreparedKey, PreparedScan)>,
}

/// What a prepared scan depends on: the scan, its mask, the pixel size, the model side, and
/// when the scan and the mask were last modified (a file changed on disk is read again).
type PreparedKey = (
    std::path::PathBuf,
    Option<std::path::PathBuf>,
    Option<f32>,
    usize,
    [Option<std::time::SystemTime>; 2],
);

fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl ThreadState {
    fn emit(&self, event: SegmentationEvent) {
        // A send fails only once the window has gone.
        self.events.send(event).ok();
        (self.notify)();
    }

    fn handle(&mut self, generation: u64, job: &SegmentationJob) {
        if let Err(message) = self.segment(generation, job) {
            self.emit(SegmentationEvent::Failed {
                generation,
                message,
            });
        }
    }

    fn segment(&mut self, generation: u64, job: &SegmentationJob) -> Result<(), String> {
        let device = self
            .device
            .lock()
            .ok()
            .and_then(|slot| slot.clone())
            .ok_or_else(|| "the compute device is still starting".to_string())?;
        if self.model.as_ref().is_none_or(|m| m.card.name != job.model) {
            self.model =
                Some(load_segmenter(&job.model, &device.device).map_err(|e| e.to_string())?);
        }
        let Some(model) = self.model.as_ref() else {
            return Ok(());
        };
        let key: PreparedKey = (
            job.scan.clone(),
            job.mask.clone(),
            job.pixel_size_mm,
            model.card.spec.input_size,
            [modified(&job.scan), job.mask.as_deref().and_then(modified)],
        );
        if self.prepared.as_ref().is_none_or(|(k, _)| *k != key) {
            let fresh = prepare_scan(&key.0, key.1.as_deref(), key.2, key.3, &device.device)
                .map_err(|e| e.to_string())?;
            self.prepared = Some((key, fresh));
        }
        let Some((_, scan)) = self.prepared.as_ref() else {
            return Ok(());
        };
        let (input, pixel_mm) = (&scan.input, scan.pixel_mm);
        let result = segment_scan(
            model,
            input,
            scan.reference.clone(),
            pixel_mm,
            job.attack.as_ref(),
            job.defense.as_ref().map(|config| SegmentationDefense {
                config,
                adaptive: job.adaptive,
            }),
        )
        .map_err(|e| e.to_string())?;
        let reference = Some(result.reference.clone());
        self.emit(SegmentationEvent::Done {
            generation,
            scan_name: scan.name.clone(),
            result: Arc::new(result),
        });
        let (Some(attack), Some((points, max_epsilon))) = (&job.attack, job.sweep) else {
            return Ok(());
        };
        let defense = job.defense.as_ref().map(|config| SegmentationDefense {
            config,
            adaptive: job.adaptive,
        });
        let mut curve = Vec::with_capacity(points + 1);
        let mut defended = Vec::with_capacity(points + 1);
        for index in 0..=points {
            if self.latest.load(Ordering::SeqCst) != generation {
                return Ok(());
            }
            let epsilon = max_epsilon * index as f64 / points.max(1) as f64;
            let attack = SegmentationAttack {
                epsilon,
                ..attack.clone()
            };
            let run = |defense| {
                segment_scan(
                    model,
                    input,
                    reference.clone(),
                    pixel_mm,
                    Some(&attack),
                    defense,
                )
                .map_err(|e| e.to_string())
            };
            // An unaware attack is the same with or without the defence: one run gives both
            // curves; an adaptive one needs the segmenter alone as well.
            let point = run(defense)?;
            if let Some(behind) = &point.defended {
                defended.push((epsilon, behind.dice));
            }
            let alone = if defense.is_some_and(|d| d.adaptive) {
                run(None)?.adversarial_dice
            } else {
                point.adversarial_dice
            };
            curve.push((epsilon, alone));
        }
        self.emit(SegmentationEvent::Swept {
            generation,
            points: curve,
            defended: (!defended.is_empty()).then_some(defended),
        });
        Ok(())
    }
}
