//! `advlens scenario check|record`: replay the lecture scenarios and check they give the
//! answers they recorded, or record the answers of new ones.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use advlens::device::DevicePreference;
use advlens::scenarios::{Scenario, ScenarioFile, bundled_scenarios};

/// Arguments of `scenario`.
#[derive(Args, Debug)]
pub struct ScenarioArgs {
    #[command(subcommand)]
    action: ScenarioAction,
}

#[derive(Subcommand, Debug)]
enum ScenarioAction {
    /// Replay scenarios (default: the bundled ones) and check each reproduces its recorded
    /// answer: class and probabilities bit for bit, or a segmenter's attacked mask.
    Check {
        /// Scenario files.
        files: Vec<PathBuf>,
        /// auto, gpu or cpu (the bundled answers were recorded on the CPU).
        #[arg(long, default_value = "cpu")]
        device: DevicePreference,
    },
    /// Run scenarios and write the answers they give into their files.
    Record {
        /// Scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// auto, gpu or cpu.
        #[arg(long, default_value = "cpu")]
        device: DevicePreference,
    },
}

fn read(files: &[PathBuf]) -> anyhow::Result<Vec<ScenarioFile>> {
    if files.is_empty() {
        return Ok(bundled_scenarios()?);
    }
    files
        .iter()
        .map(|path| {
            Ok(ScenarioFile {
                path: path.clone(),
                scenario: Scenario::load(path)?,
            })
        })
        .collect()
}

pub fn run(args: &ScenarioArgs) -> anyhow::Result<()> {
    let (files, device, record) = match &args.action {
        ScenarioAction::Check { files, device } => (files, *device, false),
        ScenarioAction::Record { files, device } => (files, *device, true),
    };
    let device = super::start_device(device)?;
    let mut failures = 0;
    for ScenarioFile { path, mut scenario } in read(files)? {
        let outcome = scenario.run(&path, &device)?;
        let verdict = outcome.verdict();
        if record {
            scenario.record(&outcome);
            scenario.save(&path)?;
            println!("recorded  {}: {verdict}", scenario.title);
        } else if scenario.reproduced_by(&outcome) {
            println!("reproduced {}: {verdict}", scenario.title);
        } else {
            failures += 1;
            println!(
                "DIFFERS   {}: {verdict}; recorded {}",
                scenario.title,
                scenario.recipe.recorded()
            );
        }
    }
    anyhow::ensure!(failures == 0, "{failures} scenarios did not reproduce");
    Ok(())
}
