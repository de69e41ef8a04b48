//! The smoke test of the real binary (run under Xvfb in CI), which also measures the window's
//! latencies: time to the first frame and to the first result, the latency of a live FGSM ε
//! change (request to pixels), and frame times while an iterative attack runs in the
//! background; then it evaluates 32 test scans in the data-set view, steps through two lecture
//! scenarios, each reproducing its recording, and exports the ε animation, checking that the
//! GIF decodes with every frame. Then it takes a screenshot, checks it is not blank, saves it
//! and quits.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui::{self, ViewportCommand};

use super::{AdvlensApp, Command};
use crate::attacks::{AttackConfig, AttackKind};

/// What the smoke test does.
#[derive(Debug, Clone)]
pub struct SmokeTest {
    /// Where the screenshot goes.
    pub screenshot: PathBuf,
}

/// Give up after this long.
const TIMEOUT: Duration = Duration::from_mins(10);
/// ε changes timed.
const SLIDER_MOVES: usize = 9;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Phase {
    WaitingForResult,
    Slider { moves: usize, sent: Option<Instant> },
    Background { frames_seen: usize },
    Dataset { started: Option<Instant> },
    Lecture { steps: usize, sent: bool },
    Animation { sent: bool },
    Screenshot { requested: bool },
}

/// Progress and measurements of the smoke test.
pub struct SmokeState {
    test: SmokeTest,
    started: Instant,
    phase: Phase,
    first_frame: Option<Duration>,
    first_result: Option<Duration>,
    slider_ms: Vec<f64>,
    /// Per ε change: the engine's time, the images' upload, and the rest of the frame that
    /// drew them (layout and rendering).
    slider_stages: [Vec<f64>; 3],
    /// A result seen in this frame's logic: (when, request → result ms, engine ms); its
    /// frame is drawn before the next logic step.
    drawing: Option<(Instant, f64, f64)>,
    frame_ms: Vec<f64>,
    last_frame: Option<Instant>,
    result_id_seen: u64,
    screenshot: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
}

impl SmokeState {
    /// Starts the test (the clock starts when the app is created).
    #[must_use]
    pub fn new(test: SmokeTest) -> Self {
        Self {
            test,
            started: Instant::now(),
            phase: Phase::WaitingForResult,
            first_frame: None,
            first_result: None,
            slider_ms: Vec::new(),
            slider_stages: Default::default(),
            drawing: None,
            frame_ms: Vec::new(),
            last_frame: None,
            result_id_seen: 0,
            screenshot: Arc::default(),
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Advances the smoke test by one frame.
pub fn step(app: &mut AdvlensApp, state: &mut SmokeState, ctx: &egui::Context) {
    let now = Instant::now();
    if state.started.elapsed() > TIMEOUT {
        eprintln!("smoke test: timed out in phase {:?}", state.phase);
        std::process::exit(2);
    }
    state
        .first_frame
        .get_or_insert_with(|| state.started.elapsed());
    let new_result = app.session.result_id != state.result_id_seen && app.session.result.is_some();
    state.result_id_seen = app.session.result_id;
    record_drawn_result(app, state);
    state.phase = match state.phase {
        Phase::WaitingForResult if !app.session.errors.is_empty() && !app.is_busy() => {
            eprintln!(
                "smoke test: no first result; errors: {:?}",
                app.session.errors
            );
            std::process::exit(1);
        }
        Phase::WaitingForResult if new_result && !app.is_busy() => {
            state.first_result = Some(state.started.elapsed());
            Phase::Slider {
                moves: 0,
                sent: None,
            }
        }
        Phase::Slider { moves, sent: None } if moves < SLIDER_MOVES => {
            app.session.settings.spec.attack =
                AttackConfig::new(AttackKind::Fgsm, (moves as f64 + 1.0) / 255.0);
            app.push(Command::AttackChanged {
                run: true,
                sweep: false,
            });
            Phase::Slider {
                moves,
                sent: Some(now),
            }
        }
        Phase::Slider {
            moves,
            sent: Some(sent),
        } if new_result => {
            // The result is drawn in this frame; the next step reads how long that took.
            state.drawing = Some((now, sent.elapsed().as_secs_f64() * 1000.0, engine_ms(app)));
            Phase::Slider {
                moves: moves + 1,
                sent: None,
            }
        }
        Phase::Slider { moves, sent: None } if moves >= SLIDER_MOVES => {
            app.session.settings.spec.attack =
                AttackConfig::new(AttackKind::Pgd, 4.0 / 255.0).with_steps(200);
            app.push(Command::AttackChanged {
                run: true,
                sweep: false,
            });
            state.last_frame = None;
            Phase::Background { frames_seen: 0 }
        }
        Phase::Background { frames_seen } if app.session.status.running || frames_seen == 0 => {
            if let Some(last) = state.last_frame {
                state.frame_ms.push(last.elapsed().as_secs_f64() * 1000.0);
            }
            state.last_frame = Some(now);
            Phase::Background {
                frames_seen: frames_seen + 1,
            }
        }
        Phase::Background { .. } if !app.is_busy() => Phase::Dataset { started: None },
        Phase::Dataset { started: None } => super::smoke_dataset::start_dataset(app),
        Phase::Dataset {
            started: Some(started),
        } if !app.session.dataset.running() => {
            super::smoke_dataset::check_dataset(app, started);
            Phase::Lecture {
                steps: 0,
                sent: false,
            }
        }
        Phase::Lecture { steps, sent } => lecture_phase(app, steps, sent),
        Phase::Animation { sent } => {
            super::smoke_animation::animation_phase(app, &state.test, sent)
        }
        Phase::Screenshot { requested: false } => {
            let slot = state.screenshot.clone();
            let repaint = ctx.clone();
            ctx.send_viewport_cmd(ViewportCommand::Screenshot(egui::ScreenshotCallback::new(
                move |image| {
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(image);
                    }
                    repaint.request_repaint();
                },
            )));
            Phase::Screenshot { requested: true }
        }
        other => other,
    };
    end_frame(state, ctx);
}

/// Finishes once the screenshot has come back, and asks for the next frame unless a slider
/// result is being computed.
fn end_frame(state: &mut SmokeState, ctx: &egui::Context) {
    if let Some(image) = state
        .screenshot
        .lock()
        .ok()
        .and_then(|mut slot| slot.take())
    {
        finish(state, &image, ctx);
    }
    // While a slider result is computed the window waits, as it does after a key press or
    // when the slider is let go: the worker's notice wakes it. Otherwise keep stepping.
    let waiting = matches!(state.phase, Phase::Slider { sent: Some(_), .. });
    if !waiting || state.drawing.is_some() {
        ctx.request_repaint();
    }
}

/// The engine's time for the result on screen.
fn engine_ms(app: &AdvlensApp) -> f64 {
    app.session
        .result
        .as_ref()
        .map_or(f64::NAN, |r| r.elapsed_ms)
}

/// Once the frame that drew a slider result has ended: request → pixels, split into stages.
fn record_drawn_result(app: &AdvlensApp, state: &mut SmokeState) {
    let Some((seen, to_result, engine)) = state.drawing.take() else {
        return;
    };
    let frame = seen.elapsed().as_secs_f64() * 1000.0;
    let upload = app.ui_state.images.last_upload_ms();
    state.slider_ms.push(to_result + frame);
    let stages = [engine, upload, (frame - upload).max(0.0)];
    for (stage, value) in state.slider_stages.iter_mut().zip(stages) {
        stage.push(value);
    }
}

/// Lecture scenarios stepped through.
const LECTURE_STEPS: usize = 2;

/// Steps to the next scenario, then waits until it has reproduced its recording.
fn lecture_phase(app: &mut AdvlensApp, steps: usize, sent: bool) -> Phase {
    if !sent {
        if !app.session.lecture.shown {
            app.push(Command::ToggleLecture);
        }
        app.push(Command::StepScenario(1));
        return Phase::Lecture { steps, sent: true };
    }
    match check_scenario(app) {
        None => Phase::Lecture { steps, sent },
        Some(()) if steps + 1 >= LECTURE_STEPS => Phase::Animation { sent: false },
        Some(()) => Phase::Lecture {
            steps: steps + 1,
            sent: false,
        },
    }
}

/// `Some` once the scenario on screen has reproduced its recording (exits on a difference).
fn check_scenario(app: &AdvlensApp) -> Option<()> {
    let lecture = &app.session.lecture;
    match &lecture.reproduction {
        Some(super::Reproduction::Exact) if !app.is_busy() => {
            let title = lecture
                .current
                .and_then(|c| lecture.scenarios.get(c))
                .map_or("", |f| f.scenario.title.as_str());
            println!("smoke test: lecture scenario '{title}' reproduced exactly");
            Some(())
        }
        Some(super::Reproduction::Differs(why)) => {
            eprintln!("smoke test: a lecture scenario did not reproduce: {why}");
            std::process::exit(1);
        }
        _ if !app.session.errors.is_empty() => {
            eprintln!(
                "smoke test: stepping the scenarios failed: {:?}",
                app.session.errors
            );
            std::process::exit(1);
        }
        _ => None,
    }
}

fn finish(state: &mut SmokeState, image: &egui::ColorImage, ctx: &egui::Context) {
    let ms = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
    let slider = median(&mut state.slider_ms);
    let frames = state.frame_ms.len();
    let frame_median = median(&mut state.frame_ms);
    let frame_max = state.frame_ms.iter().copied().fold(0.0, f64::max);
    println!(
        "smoke test: first frame {:.0} ms, first result {:.0} ms after start",
        ms(state.first_frame),
        ms(state.first_result)
    );
    println!(
        "smoke test: live FGSM ε change, request to pixels: median {slider:.1} ms over {} moves",
        state.slider_ms.len()
    );
    let [engine, upload, render] = &mut state.slider_stages;
    println!(
        "smoke test: per ε change, medians: engine {:.1} ms, image upload {:.1} ms, layout and rendering {:.1} ms (the rest is the hand-off between threads and the frame's wait)",
        median(engine),
        median(upload),
        median(render)
    );
    println!(
        "smoke test: frame time while PGD-200 runs in the background: median {frame_median:.1} ms, max {frame_max:.1} ms over {frames} frames"
    );
    if let Some(peak) = crate::about::peak_resident_mib() {
        println!("smoke test: peak resident memory {peak:.0} MiB");
    }
    match save(&state.test.screenshot, image) {
        Ok(distinct) if distinct >= 16 => {
            println!(
                "smoke test: screenshot {}×{} with {distinct} distinct colours saved to {}",
                image.width(),
                image.height(),
                state.test.screenshot.display()
            );
            ctx.send_viewport_cmd(ViewportCommand::Close);
        }
        Ok(distinct) => {
            eprintln!("smoke test: the window looks blank ({distinct} colours)");
            std::process::exit(1);
        }
        Err(err) => {
            eprintln!("smoke test: {err}");
            std::process::exit(1);
        }
    }
}

fn save(path: &std::path::Path, image: &egui::ColorImage) -> Result<usize, String> {
    let rgb: Vec<[u8; 3]> = image.pixels.iter().map(|c| [c.r(), c.g(), c.b()]).collect();
    let mut distinct: Vec<[u8; 3]> = rgb.iter().step_by(7).copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    crate::export::write_rgb8(image.width(), image.height(), &rgb, path)
        .map_err(|err| err.to_string())?;
    Ok(distinct.len())
}
