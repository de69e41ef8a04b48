//! `advlens bench --evaluation`: how many scans per second a data-set evaluation gets through
//! (the data-set view's and `advlens eval`'s work: clean judgement, the attack, the judgement
//! of its result) for FGSM and PGD-20 at one ε, at batch sizes 1, 16 and 64, on the first test
//! scans of each selected model's data set.

use advlens::attacks::{AttackConfig, AttackKind};
use advlens::device::ComputeDevice;
use advlens::eval::{EvalHooks, EvalPlan, ImageSource, evaluate_scans};
use advlens::models::load_shipped;

use super::bench_cmd::{BenchArgs, median_ms, selected_models};

/// Batch sizes timed.
const BATCH_SIZES: [usize; 3] = [1, 16, 64];

/// Prints the table of scans per second.
pub fn bench_evaluation(args: &BenchArgs, device: &ComputeDevice) -> anyhow::Result<()> {
    let scans = args.evaluation_scans;
    println!(
        "Data-set evaluation on {}: the first {scans} test scans, ε = 8/255 (and the clean pass), median of {} runs after one warm-up, scans per second",
        device.description, args.runs
    );
    println!();
    println!("| model | attack | batch 1 | batch 16 | batch 64 |");
    println!("|---|---|---:|---:|---:|");
    for shipped in selected_models(args)? {
        let model = load_shipped(&shipped.name, &device.device)?;
        let images = ImageSource {
            data: None,
            datasets: None,
            split: "test".to_string(),
            limit: Some(scans),
        }
        .load_for(&model)?;
        for (kind, steps) in [(AttackKind::Fgsm, 1), (AttackKind::Pgd, 20)] {
            let mut cells = Vec::with_capacity(BATCH_SIZES.len());
            for batch_size in BATCH_SIZES {
                let plan = EvalPlan {
                    attacks: vec![AttackConfig::new(kind, 0.0).with_steps(steps)],
                    epsilons: vec![0.0, 8.0 / 255.0],
                    defense: None,
                    adaptive: false,
                    batch_size,
                };
                let ms = median_ms(args.runs, || {
                    evaluate_scans(
                        &model,
                        &images,
                        &plan,
                        device,
                        &mut EvalHooks {
                            should_stop: None,
                            on_batch: &mut |_| {},
                        },
                    )?;
                    Ok(())
                })?;
                cells.push(format!("{:.1}", images.len() as f64 / (ms / 1000.0)));
            }
            let name = if kind == AttackKind::Pgd {
                "PGD-20"
            } else {
                "FGSM"
            };
            println!("| {} | {name} | {} |", shipped.name, cells.join(" | "));
        }
    }
    Ok(())
}
