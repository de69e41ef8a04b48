//! The soak test of the real binary (`advlens gui --soak SECONDS`, run under Xvfb by
//! `tests/soak.rs`): for the given time it drives the window as a restless user would — ε
//! slider drags, attack and model switches, ε sweeps, scans opened from a folder that mixes
//! good and hostile files, PGD runs cancelled midway, exports — choosing each action from a
//! seeded generator, and samples its resident memory and every frame's time. Then it writes a
//! JSON report (actions, banners shown, frame-time percentiles, memory samples and growth after
//! the warm-up) and closes. The test reads the report and judges it; a crash ends the process.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use eframe::egui::{self, ViewportCommand};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::{AdvlensApp, Command};
use crate::attacks::{AttackConfig, AttackKind};

/// What the soak test does.
#[derive(Debug, Clone)]
pub struct SoakTest {
    /// How long to drive the window.
    pub duration: Duration,
    /// Scans to open in turn (good and hostile mixed); none: only the bundled scan.
    pub scans: Vec<PathBuf>,
    /// Where the JSON report goes (exports go into a folder beside it).
    pub report: PathBuf,
}

/// A pause between two actions: a quick user, not a flood (superseded requests are dropped
/// by the worker anyway).
const ACTION_GAP: Duration = Duration::from_millis(350);
/// Memory is sampled this often.
const MEMORY_EVERY: Duration = Duration::from_secs(2);
/// A PGD run is cancelled this long after it started.
const CANCEL_AFTER: Duration = Duration::from_millis(250);
/// The attacks switched between: every family that runs on one scan without extra input,
/// with few enough steps that a switch finishes in seconds on two CPU cores.
const FAMILIES: [AttackKind; 9] = [
    AttackKind::Fgsm,
    AttackKind::Bim,
    AttackKind::Pgd,
    AttackKind::PgdL2,
    AttackKind::MiFgsm,
    AttackKind::Noise,
    AttackKind::DeepFool,
    AttackKind::CarliniWagner,
    AttackKind::ApgdCe,
];

/// One kind of user action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Action {
    SliderDrag,
    SwitchAttack,
    SwitchModel,
    Sweep,
    OpenScan,
    CancelPgd,
    Export,
    DismissBanner,
}

/// Progress and measurements of the soak test.
pub struct SoakState {
    test: SoakTest,
    started: Instant,
    random: ChaCha8Rng,
    next_action: Instant,
    /// ε changes still to send, one per frame, of the drag under way.
    dragging: usize,
    cancel_at: Option<Instant>,
    next_scan: usize,
    actions: BTreeMap<Action, usize>,
    banners: usize,
    frame_ms: Vec<f64>,
    last_frame: Option<Instant>,
    next_memory: Instant,
    memory: Vec<(f64, f64)>,
    finished: bool,
}

impl SoakState {
    /// Starts the soak (the clock starts when the app is created).
    #[must_use]
    pub fn new(test: SoakTest) -> Self {
        let now = Instant::now();
        Self {
            test,
            started: now,
            random: ChaCha8Rng::seed_from_u64(20_261_204),
            next_action: now,
            dragging: 0,
            cancel_at: None,
            next_scan: 0,
            actions: BTreeMap::new(),
            banners: 0,
            frame_ms: Vec::new(),
            last_frame: None,
            next_memory: now,
            memory: Vec::new(),
            finished: false,
        }
    }
}

/// Advances the soak test by one frame.
pub fn step(app: &mut AdvlensApp, state: &mut SoakState, ctx: &egui::Context) {
    ctx.request_repaint();
    if state.finished {
        return;
    }
    let now = Instant::now();
    if let Some(last) = state.last_frame.replace(now) {
        state.frame_ms.push((now - last).as_secs_f64() * 1000.0);
    }
    if now >= state.next_memory {
        if let Some(mib) = crate::about::resident_mib() {
            state
                .memory
                .push((state.started.elapsed().as_secs_f64(), mib));
        }
        state.next_memory = now + MEMORY_EVERY;
    }
    if state.started.elapsed() >= state.test.duration {
        state.finished = true;
        finish(app, state);
        ctx.send_viewport_cmd(ViewportCommand::Close);
        return;
    }
    if state.dragging > 0 {
        state.dragging -= 1;
        let epsilon = f64::from(state.random.random_range(1_u8..=16)) / 255.0;
        app.push(Command::SetEpsilon { epsilon, run: true });
    }
    if state.cancel_at.is_some_and(|at| now >= at) {
        state.cancel_at = None;
        app.push(Command::Cancel);
    }
    if now >= state.next_action && state.dragging == 0 && state.cancel_at.is_none() {
        let action = choose(app, state);
        *state.actions.entry(action).or_default() += 1;
        state.next_action = now + ACTION_GAP;
    }
}

/// Picks and sends the next action.
fn choose(app: &mut AdvlensApp, state: &mut SoakState) -> Action {
    if !app.session.errors.is_empty() && state.random.random_bool(0.5) {
        state.banners += app.session.errors.len();
        app.push(Command::DismissErrors);
        return Action::DismissBanner;
    }
    let action = match state.random.random_range(0..100_u8) {
        0..30 => Action::SliderDrag,
        30..50 => Action::SwitchAttack,
        50..55 => Action::SwitchModel,
        55..62 => Action::Sweep,
        62..82 => Action::OpenScan,
        82..95 => Action::CancelPgd,
        _ => Action::Export,
    };
    match action {
        Action::SliderDrag => state.dragging = 6,
        Action::SwitchAttack => {
            let kind = FAMILIES[state.random.random_range(0..FAMILIES.len())];
            let epsilon = f64::from(state.random.random_range(1_u8..=8)) / 255.0;
            let attack = AttackConfig::new(kind, epsilon);
            let steps = attack.steps.min(10);
            app.session.settings.spec.attack = attack.with_steps(steps);
            app.push(Command::AttackChanged {
                run: true,
                sweep: false,
            });
        }
        Action::SwitchModel => {
            let chest: Vec<String> = app
                .session
                .models
                .iter()
                .map(|model| model.name.clone())
                .filter(|name| name.starts_with("chest-xray-cnn"))
                .collect();
            if !chest.is_empty() {
                let name = chest[state.random.random_range(0..chest.len())].clone();
                app.push(Command::SelectModel(name));
            }
        }
        Action::Sweep => app.push(Command::AttackChanged {
            run: true,
            sweep: true,
        }),
        Action::OpenScan => {
            if !state.test.scans.is_empty() {
                let scan = state.test.scans[state.next_scan % state.test.scans.len()].clone();
                state.next_scan += 1;
                app.push(Command::OpenScan(scan));
            }
        }
        Action::CancelPgd => {
            app.session.settings.spec.attack =
                AttackConfig::new(AttackKind::Pgd, 4.0 / 255.0).with_steps(200);
            app.push(Command::AttackChanged {
                run: true,
                sweep: false,
            });
            state.cancel_at = Some(Instant::now() + CANCEL_AFTER);
        }
        Action::Export => {
            let folder = state.test.report.with_extension("exports");
            app.push(Command::Export(Some(folder)));
        }
        Action::DismissBanner => {}
    }
    action
}

/// The soak test's report.
#[derive(Debug, Serialize)]
struct SoakReport {
    seconds: f64,
    actions: BTreeMap<Action, usize>,
    banners_dismissed: usize,
    banners_left: Vec<String>,
    frames: usize,
    frame_ms_median: f64,
    frame_ms_p99: f64,
    frame_ms_max: f64,
    /// (seconds since start, resident MiB).
    memory: Vec<(f64, f64)>,
    /// Resident memory at the end of the warm-up (the first third), MiB.
    memory_after_warm_up_mib: f64,
    /// The largest sample after the warm-up minus the one at its end, MiB.
    memory_growth_mib: f64,
    peak_resident_mib: Option<f64>,
    results_computed: u64,
}

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (fraction * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn finish(app: &AdvlensApp, state: &mut SoakState) {
    let mut frames = state.frame_ms.clone();
    frames.sort_by(f64::total_cmp);
    let seconds = state.started.elapsed().as_secs_f64();
    let warm_up_end = seconds / 3.0;
    let after_warm_up = state
        .memory
        .iter()
        .rfind(|(at, _)| *at <= warm_up_end)
        .map_or(f64::NAN, |&(_, mib)| mib);
    let highest_later = state
        .memory
        .iter()
        .filter(|(at, _)| *at > warm_up_end)
        .map(|&(_, mib)| mib)
        .fold(after_warm_up, f64::max);
    let report = SoakReport {
        seconds,
        actions: state.actions.clone(),
        banners_dismissed: state.banners,
        banners_left: app.session.errors.clone(),
        frames: frames.len(),
        frame_ms_median: percentile(&frames, 0.5),
        frame_ms_p99: percentile(&frames, 0.99),
        frame_ms_max: frames.last().copied().unwrap_or(f64::NAN),
        memory: state.memory.clone(),
        memory_after_warm_up_mib: after_warm_up,
        memory_growth_mib: highest_later - after_warm_up,
        peak_resident_mib: crate::about::peak_resident_mib(),
        results_computed: app.session.result_id,
    };
    println!(
        "soak test: {:.0} s, {} actions, {} frames (p99 {:.0} ms, max {:.0} ms), memory {:.0} → +{:.1} MiB after warm-up",
        report.seconds,
        report.actions.values().sum::<usize>(),
        report.frames,
        report.frame_ms_p99,
        report.frame_ms_max,
        report.memory_after_warm_up_mib,
        report.memory_growth_mib
    );
    let written = serde_json::to_string_pretty(&report)
        .map_err(|err| err.to_string())
        .and_then(|text| {
            crate::export::write_atomic(&state.test.report, text.as_bytes())
                .map_err(|err| err.to_string())
        });
    if let Err(err) = written {
        eprintln!("soak test: could not write the report: {err}");
        std::process::exit(1);
    }
}
