//! Argument parsing and dispatch. Errors are `anyhow` here, at the edge. Without a
//! subcommand the window opens.

mod attack_cmd;
mod attack_summary;
mod bench_cmd;
mod calibrate_cmd;
mod eval_cmd;
mod gui_cmd;
mod models_cmd;
mod train_cmd;

use clap::{Parser, Subcommand};

use advlens::device::{ComputeDevice, DevicePreference, select_device};

/// advlens: see how adversarial attacks fool medical-imaging models, one scan at a time.
#[derive(Parser, Debug)]
#[command(name = "advlens", version, about)]
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
    Attack(attack_cmd::AttackArgs),
    /// Train a model from ../shared/datasets.
    Train(train_cmd::TrainArgs),
    /// Measure latency of forward, FGSM, PGD-20 and Grad-CAM per shipped model.
    Bench(bench_cmd::BenchArgs),
    /// Robustness table: accuracy per attack per ε, with or without a defence.
    Eval(eval_cmd::EvalArgs),
    /// Calibrate the feature-squeezing detector at a false-positive rate.
    Calibrate(calibrate_cmd::CalibrateArgs),
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
        Some(Command::Gui(args)) => gui_cmd::run(args),
        None => gui_cmd::run(gui_cmd::GuiArgs::default()),
    }
}

/// Starts the device the user asked for and says which it is.
pub(crate) fn start_device(preference: DevicePreference) -> anyhow::Result<ComputeDevice> {
    let device = select_device(preference)?;
    eprintln!("device: {}", device.description);
    Ok(device)
}

/// Parses an ε argument (`8/255` or `0.03`) for clap.
pub(crate) fn parse_epsilon_arg(text: &str) -> Result<f64, String> {
    advlens::attacks::parse_epsilon(text).map_err(|err| err.to_string())
}
