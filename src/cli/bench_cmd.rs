//! `advlens bench`: median latency of forward, FGSM, PGD-20 and Grad-CAM per shipped model
//! (and of the segmenters: `bench_segment.rs`), and of every defence (its defended prediction,
//! and one adaptive PGD-20) on the first model. `--operations` times the like-for-like table
//! instead (`bench_ops.rs`), `--evaluation` the data-set throughput (`bench_eval.rs`).

use std::time::Instant;

use clap::Args;

use advlens::attacks::{AttackConfig, AttackControl, AttackKind, FgsmGradient, run_attack};
use advlens::defenses::{DefenseConfig, DefenseKind, DefensePath, defended_predict};
use advlens::device::DevicePreference;
use advlens::explain::grad_cam;
use advlens::imaging::{LoadOptions, load_scan, model_input_from_scan};
use advlens::models::LoadedModel;
use advlens::models::{list_shipped, load_shipped};

/// Arguments of `bench`.
#[derive(Args, Debug)]
#[allow(clippy::struct_excessive_bools)] // command-line switches are bools by nature
pub struct BenchArgs {
    /// Timed runs per measurement (after one warm-up run).
    #[arg(long, default_value_t = 7)]
    pub(super) runs: usize,
    /// Only these models (or segmenters), comma-separated.
    #[arg(long)]
    pub(super) model: Option<String>,
    /// auto, gpu or cpu.
    #[arg(long, default_value = "auto")]
    device: DevicePreference,
    /// Skip the defence table.
    #[arg(long)]
    no_defenses: bool,
    /// Also time the minimal, strongest-known and score-based attacks on each model (slow:
    /// C&W is 500 gradient steps).
    #[arg(long)]
    attacks: bool,
    /// Time only the data-set evaluation instead: scans per second for FGSM and PGD-20 at
    /// batch sizes 1, 16 and 64 on the first test scans (needs the data sets).
    #[arg(long)]
    pub(super) evaluation: bool,
    /// With --evaluation: how many test scans each timed evaluation covers.
    #[arg(long, default_value_t = 64)]
    pub(super) evaluation_scans: usize,
    /// Also time one map of every explanation method on each model.
    #[arg(long)]
    explanations: bool,
    /// Time only the like-for-like operations instead (forward, input gradient, FGSM, one PGD
    /// step, PGD-20, Grad-CAM at batch sizes 1, 16 and 64), as `bench/pytorch_reference.py`
    /// times them in `PyTorch`.
    #[arg(long)]
    operations: bool,
    /// With --operations: also write the table as JSON here (what `bench/compare.py` reads).
    #[arg(long, requires = "operations")]
    json: Option<std::path::PathBuf>,
    /// With --operations: the batch sizes, comma-separated.
    #[arg(
        long,
        requires = "operations",
        value_delimiter = ',',
        default_value = "1,16,64"
    )]
    pub(super) batch_sizes: Vec<usize>,
}

/// Whether `--model` (a comma-separated list, or absent for all) selects `name`.
pub(super) fn is_selected(args: &BenchArgs, name: &str) -> bool {
    args.model
        .as_deref()
        .is_none_or(|list| list.split(',').any(|wanted| wanted.trim() == name))
}

/// The shipped models to time: all, or those `--model` names.
pub(super) fn selected_models(
    args: &BenchArgs,
) -> anyhow::Result<Vec<advlens::models::ShippedModel>> {
    Ok(list_shipped()?
        .into_iter()
        .filter(|shipped| is_selected(args, &shipped.name))
        .collect())
}

pub(super) fn median_ms(
    runs: usize,
    mut work: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<f64> {
    work()?; // warm-up
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        work()?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let device = super::start_device(args.device)?;
    if args.evaluation {
        return super::bench_eval::bench_evaluation(args, &device);
    }
    if args.operations {
        return super::bench_ops::bench_operations(args, &device, args.json.as_deref());
    }
    let scan_path = advlens::app::bundled_scan()?;
    let scan = load_scan(&scan_path, &LoadOptions::default())?;
    println!(
        "Device: {} — median of {} runs after one warm-up, one 128×128 image, ms",
        device.description, args.runs
    );
    println!();
    println!("| model | forward | FGSM | PGD-20 | Grad-CAM |");
    println!("|---|---:|---:|---:|---:|");
    let mut first: Option<LoadedModel> = None;
    for shipped in selected_models(args)? {
        let model = load_shipped(&shipped.name, &device.device)?;
        let input = model_input_from_scan(&scan, model.card.spec.input_size, &device.device);
        let sync = || {
            device
                .device
                .sync()
                .map_err(|err| anyhow::anyhow!("{err:?}"))
        };
        let forward = median_ms(args.runs, || {
            let _ = model.models.inference.forward(input.clone()).into_data();
            Ok(())
        })?;
        let fgsm = median_ms(args.runs, || {
            let gradient =
                FgsmGradient::compute(&model.models.differentiable, input.clone(), &[0], false)?;
            let _ = model
                .models
                .inference
                .forward(gradient.apply(2.0 / 255.0))
                .into_data();
            Ok(())
        })?;
        let pgd_config = AttackConfig::new(AttackKind::Pgd, 2.0 / 255.0).with_steps(20);
        let pgd = median_ms(args.runs.min(5), || {
            let outcome = run_attack(
                &model.models,
                &input,
                &[0],
                false,
                &pgd_config,
                &AttackControl::default(),
            )?;
            let _ = outcome.adversarial.into_data();
            Ok(())
        })?;
        let gradcam = median_ms(args.runs, || {
            let _ = grad_cam(&model.models, &input, 0)?.into_data();
            sync()
        })?;
        println!(
            "| {} | {forward:.1} | {fgsm:.1} | {pgd:.1} | {gradcam:.1} |",
            shipped.name
        );
        first.get_or_insert(model);
    }
    super::bench_segment::bench_segmenters(args, &device)?;
    if args.attacks {
        bench_attacks(args, &device, &scan)?;
    }
    if args.explanations {
        super::bench_explain::bench_explanations(args, &device, &scan)?;
    }
    if let (Some(model), false) = (first, args.no_defenses) {
        let input = model_input_from_scan(&scan, model.card.spec.input_size, &device.device);
        bench_defenses(&model, &input, args.runs)?;
    }
    Ok(())
}

/// Per model, the time one image takes under each of the newer attacks at their defaults.
fn bench_attacks(
    args: &BenchArgs,
    device: &advlens::device::ComputeDevice,
    scan: &advlens::imaging::Scan,
) -> anyhow::Result<()> {
    use advlens::attacks::Norm;
    let runs = args.runs.min(3);
    println!();
    println!(
        "Attacks, one 128×128 image, median of {runs} runs after one warm-up (few-pixel: one run after the warm-up), ms: APGD-CE-100 and AutoAttack-lite at 2/255, DeepFool (L∞) and JSMA (θ = +1, γ = 0.1) until they flip or give up, C&W-L2 5×100, Square for its full 1000 queries (L∞ at 0.25/255 and L2 at 0.002, which it cannot reach), few-pixel (k = 3, 100 × 50)"
    );
    println!();
    println!(
        "| model | APGD-CE-100 | AutoAttack-lite | DeepFool | C&W-L2 | Square-1000q | Square-L2-1000q | JSMA | few-pixel |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    let configs = [
        AttackConfig::new(AttackKind::ApgdCe, 2.0 / 255.0),
        AttackConfig::new(AttackKind::AutoAttack, 2.0 / 255.0),
        AttackConfig::new(AttackKind::DeepFool, 0.0).with_norm(Norm::Linf),
        AttackConfig::new(AttackKind::CarliniWagner, 0.0),
        AttackConfig::new(AttackKind::Square, 0.25 / 255.0).with_queries(1000),
        AttackConfig::new(AttackKind::Square, 0.002)
            .with_norm(Norm::L2)
            .with_queries(1000),
        AttackConfig::new(AttackKind::Jsma, 0.0),
        AttackConfig::new(AttackKind::FewPixel, 0.0),
    ];
    for shipped in selected_models(args)? {
        let model = load_shipped(&shipped.name, &device.device)?;
        let input = model_input_from_scan(scan, model.card.spec.input_size, &device.device);
        let label = advlens::attacks::predicted_class(
            &advlens::attacks::probabilities(&model.models, &input)?
                .first()
                .cloned()
                .unwrap_or_default(),
        );
        let mut cells = Vec::with_capacity(configs.len());
        for config in &configs {
            let repeats = if config.kind == AttackKind::FewPixel {
                1
            } else {
                runs
            };
            let time = median_ms(repeats, || {
                let outcome = run_attack(
                    &model.models,
                    &input,
                    &[label],
                    false,
                    config,
                    &AttackControl::default(),
                )?;
                let _ = outcome.adversarial.into_data();
                Ok(())
            })?;
            cells.push(format!("{time:.0}"));
        }
        println!("| {} | {} |", shipped.name, cells.join(" | "));
    }
    Ok(())
}

/// The defended prediction (default parameters) and one PGD-20 through each defence.
fn bench_defenses(
    model: &LoadedModel,
    input: &burn::tensor::Tensor<4>,
    runs: usize,
) -> anyhow::Result<()> {
    println!();
    println!(
        "Defences on {} (default parameters), ms: the defended prediction, and PGD-20 at 2/255 through the defence (adaptive)",
        model.card.name
    );
    println!();
    println!("| defence | defended prediction | adaptive PGD-20 |");
    println!("|---|---:|---:|");
    let pgd_config = AttackConfig::new(AttackKind::Pgd, 2.0 / 255.0).with_steps(20);
    for kind in DefenseKind::ALL {
        let config = DefenseConfig::new(kind);
        let predict = median_ms(runs, || {
            defended_predict(&model.models.inference, input, &config)?;
            Ok(())
        })?;
        let path = DefensePath::new(config.clone());
        let control = AttackControl {
            through: Some(&path),
            ..AttackControl::default()
        };
        let adaptive = median_ms(runs.min(3), || {
            let outcome = run_attack(&model.models, input, &[0], false, &pgd_config, &control)?;
            let _ = outcome.adversarial.into_data();
            Ok(())
        })?;
        println!("| {} | {predict:.1} | {adaptive:.0} |", config.describe());
    }
    Ok(())
}
