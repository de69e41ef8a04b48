//! Argument parsing and dispatch. Errors are `anyhow` here, at the edge. Without a
//! subcommand the window opens.

mod adapter_probe;
mod animate;
mod atlas;
mod attack_cmd;
mod attack_options;
mod attack_summary;
mod bench_cmd;
mod bench_eval;
mod bench_explain;
mod bench_ops;
mod bench_segment;
mod calibrate_cmd;
mod certify_cmd;
mod eval_cmd;
mod eval_explain;
mod eval_report;
mod gui_cmd;
mod models_cmd;
mod scenario_cmd;
mod segment_cmd;
mod segment_eval;
mod segment_train;
mod train_cmd;
mod train_log;
mod train_parsers;
mod uap_cmd;

use clap::{Parser, Subcommand};

use advlens::device::{ComputeDevice, CpuFallback, DevicePreference, choose_device};

/// advlens: see how adversarial attacks fool medical-imaging models, one scan at a time.
#[derive(Parser, Debug)]
#[command(name = "advlens", version = advlens::about::VERSION, long_version = advlens::about::LONG_VERSION, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Open the workbench window (the default).
    Gui(gui_cmd::GuiArgs),
    /// List the shipped models.
    Models(models_cmd::ModelsArgs),
    /// Attack one scan and write images and result.json.
    Attack(Box<attack_cmd::AttackArgs>),
    /// Train a model from ../shared/datasets.
    Train(train_cmd::TrainArgs),
    /// Measure latency of forward, FGSM, PGD-20 and Grad-CAM per shipped model.
    Bench(bench_cmd::BenchArgs),
    /// Robustness table: accuracy per attack per ε, with or without a defence.
    Eval(eval_cmd::EvalArgs),
    /// Calibrate the feature-squeezing detector at a false-positive rate.
    Calibrate(calibrate_cmd::CalibrateArgs),
    /// Certified accuracy of randomized smoothing against the L2 radius (Cohen et al.).
    Certify(certify_cmd::CertifyArgs),
    /// Fit one universal adversarial perturbation on a set of scans, with its fooling rate.
    Uap(uap_cmd::UapArgs),
    /// Segment one scan with a U-Net and optionally attack its mask (BCE, Dice or a target).
    Segment(Box<segment_cmd::SegmentArgs>),
    /// Replay the lecture scenarios (check) or record the answers of new ones (record).
    Scenario(scenario_cmd::ScenarioArgs),
    /// Internal: list the graphics adapters, one per line (run as a child process).
    #[command(name = "__probe-adapters", hide = true)]
    ProbeAdapters,
}

/// Parses the command line and runs it.
pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Models(args)) => models_cmd::run(&args),
        Some(Command::Attack(args)) => attack_cmd::run(&args),
        Some(Command::Train(args)) => train_cmd::run(&args),
        Some(Command::Bench(args)) => bench_cmd::run(&args),
        Some(Command::Eval(args)) => eval_cmd::run(&args),
        Some(Command::Calibrate(args)) => calibrate_cmd::run(&args),
        Some(Command::Certify(args)) => certify_cmd::run(&args),
        Some(Command::Uap(args)) => uap_cmd::run(&args),
        Some(Command::Scenario(args)) => scenario_cmd::run(&args),
        Some(Command::Segment(args)) => segment_cmd::run(&args),
        Some(Command::Gui(args)) => gui_cmd::run(args),
        Some(Command::ProbeAdapters) => {
            adapter_probe::print_adapters();
            Ok(())
        }
        None => gui_cmd::run(gui_cmd::GuiArgs::default()),
    }
}

/// Starts the device the user asked for and says which it is (and, once, why `auto` chose
/// the CPU).
pub(crate) fn start_device(preference: DevicePreference) -> anyhow::Result<ComputeDevice> {
    let adapters = if preference == DevicePreference::Cpu {
        Vec::new()
    } else {
        adapter_probe::quiet_adapters()
    };
    let (device, fallback) = choose_device(preference, &adapters)?;
    report_fallback(fallback.as_ref());
    eprintln!("device: {}", device.description);
    Ok(device)
}

/// The CPU fallback of `auto`, as a notice (it is not an error).
pub(crate) fn report_fallback(fallback: Option<&CpuFallback>) {
    if let Some(reason) = fallback {
        eprintln!("notice: {reason}; using the CPU (Burn Flex)");
    }
}

/// Reads a universal perturbation written by `advlens uap`.
pub(crate) fn load_universal(
    path: &std::path::Path,
) -> anyhow::Result<advlens::attacks::UniversalPerturbation> {
    use anyhow::Context;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the universal perturbation {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a universal perturbation written by advlens uap",
            path.display()
        )
    })
}

/// Parses an ε argument (`8/255` or `0.03`) for clap.
pub(crate) fn parse_epsilon_arg(text: &str) -> Result<f64, String> {
    advlens::attacks::parse_epsilon(text).map_err(|err| err.to_string())
}
