//! `advlens eval …`: the robustness table of a model on the test split (or a folder of
//! labelled images), optionally behind a defence and attacked through it.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use advlens::attacks::{AttackConfig, AttackKind};
use advlens::datasets::LabelledImages;
use advlens::defenses::DefenseConfig;
use advlens::device::ComputeDevice;
use advlens::device::DevicePreference;
use advlens::eval::{
    EvalHooks, EvalPlan, ImageSource, ScanEvaluation, evaluate_scans, save_card, table_csv,
    table_markdown,
};
use advlens::export::write_atomic;
use advlens::models::RobustnessTable;
use advlens::models::{LoadedModel, find_shipped, load_model_files};

/// Arguments of `eval`.
#[derive(Args, Debug)]
#[allow(clippy::struct_excessive_bools)] // command-line switches are bools by nature
pub struct EvalArgs {
    /// A shipped model (see `advlens models`).
    #[arg(long)]
    pub(super) model: String,
    /// The data-set split: test, val or train.
    #[arg(long, default_value = "test", value_parser = ["test", "val", "train"])]
    pub(super) split: String,
    /// A folder with one sub-folder per class (named like the model's classes) instead of the
    /// data-set split.
    #[arg(long)]
    pub(super) data: Option<PathBuf>,
    /// Data-set folder; default `$ADVLENS_DATASETS` or `../shared/datasets`.
    #[arg(long)]
    pub(super) datasets: Option<PathBuf>,
    /// Attacks, comma-separated: fgsm, bim, pgd, mi-fgsm, apgd-ce, apgd-dlr, autoattack,
    /// square (L∞ budgets), deepfool and cw (minimal: the table gives the accuracy at each ε
    /// from the perturbation each scan needed, and the median size needed).
    #[arg(long, default_value = "fgsm,pgd", value_delimiter = ',')]
    pub(super) attacks: Vec<AttackKind>,
    /// L∞ radii, comma-separated (0 is clean accuracy).
    #[arg(long, default_value = "0,2/255,4/255,6/255,8/255", value_delimiter = ',', value_parser = super::parse_epsilon_arg)]
    pub(super) eps: Vec<f64>,
    /// Steps of the iterative attacks (default: 20 for BIM, PGD and MI-FGSM, 100 for APGD,
    /// AutoAttack-lite and C&W per search, at most 50 for DeepFool).
    #[arg(long)]
    pub(super) steps: Option<usize>,
    /// Query budget of Square and of AutoAttack-lite's Square stage.
    #[arg(long, default_value_t = 5000)]
    pub(super) queries: usize,
    /// JSMA's largest fraction of pixels to change (γ).
    #[arg(long, default_value_t = 0.1)]
    pub(super) gamma: f64,
    /// JSMA's change per pixel θ (negative darkens).
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    pub(super) theta: f64,
    /// JSMA moves each pixel by +|θ| or −|θ|, whichever is more salient (the maximal JSMA).
    #[arg(long)]
    pub(super) jsma_both: bool,
    /// The few-pixel attack's L0 budget (pixels).
    #[arg(long, default_value_t = 3)]
    pub(super) pixels: usize,
    /// The universal perturbation (`uap.json`) that `--attacks universal` applies.
    #[arg(long)]
    pub(super) uap: Option<PathBuf>,
    /// Confine every attack to a rectangle `left,top,right,bottom` (fractions of the width and
    /// height), as in `advlens attack --region`.
    #[arg(long)]
    pub(super) region: Option<String>,
    /// A defence in front of the model (as in `advlens attack --defense`).
    #[arg(long)]
    pub(super) defense: Option<String>,
    /// Attack through the defence: exact gradients where it is differentiable, BPDA
    /// (straight-through) where it is not, EOT over draws where it is random.
    #[arg(long, requires = "defense")]
    pub(super) adaptive: bool,
    /// Evaluate the first N images only.
    #[arg(long)]
    pub(super) limit: Option<usize>,
    /// Images per batch.
    #[arg(long, default_value_t = 32)]
    pub(super) batch_size: usize,
    /// Attack seed.
    #[arg(long, default_value_t = 0)]
    pub(super) seed: u64,
    /// Where the CSV and Markdown tables go.
    #[arg(long, default_value = "advlens-eval")]
    pub(super) out: PathBuf,
    /// Also measure how far each attack moves this explanation (gradcam, gradcam++, …,
    /// integrated-gradients): quartiles of Spearman ρ, top-10 % IoU and centroid shift per ε.
    #[arg(long)]
    pub(super) explain: Option<advlens::explain::ExplainMethod>,
    /// With --explain: also the deletion and insertion areas of the clean and adversarial maps
    /// (Petsiuk et al. 2018).
    #[arg(long, requires = "explain")]
    pub(super) explain_curves: bool,
    /// With --explain: the class both maps explain (predicted, clean, adversarial, true, or a
    /// class name or index).
    #[arg(long, default_value = "predicted")]
    pub(super) explain_class: String,
    /// With --explain: the block the CAM family reads, 1-based; default the last.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4))]
    pub(super) explain_layer: Option<u32>,
    /// Also write a self-contained HTML report (curves, confusion matrices, the table, the
    /// most fragile scans) here, and the per-scan CSV beside it (`<report>.scans.csv`).
    #[arg(long)]
    pub(super) report: Option<PathBuf>,
    /// With --report: the ε of the adversarial confusion matrices (default the largest).
    #[arg(long, requires = "report", value_parser = super::parse_epsilon_arg)]
    pub(super) report_eps: Option<f64>,
    /// With --report: also evaluate this shipped model on the same scans and draw both on the
    /// same axes (say, the robust twin).
    #[arg(long, requires = "report")]
    pub(super) compare: Option<String>,
    /// Also add the table to the model's card (replacing one with the same setting).
    #[arg(long)]
    pub(super) update_card: bool,
    /// auto, gpu or cpu.
    #[arg(long, default_value = "auto")]
    pub(super) device: DevicePreference,
    /// Segmenters only: the adversarial losses, comma-separated — bce, dice, target:empty,
    /// target:shift:DX,DY or target:grow:N; one table row per attack × loss.
    #[arg(long, default_value = "bce,dice", value_delimiter = ',')]
    pub(super) loss: Vec<advlens::segment::SegmentationLoss>,
}

fn attack_plan(args: &EvalArgs) -> anyhow::Result<Vec<AttackConfig>> {
    args.attacks
        .iter()
        .map(|&kind| {
            anyhow::ensure!(
                kind != AttackKind::Noise && kind != AttackKind::PgdL2,
                "the table measures L∞ attacks: use fgsm, bim, pgd, mi-fgsm, apgd-ce, apgd-dlr, autoattack, square, deepfool or cw"
            );
            let mut config = AttackConfig::new(kind, 0.0)
                .with_steps(args.steps.unwrap_or_else(|| kind.default_steps()))
                .with_queries(args.queries)
                .with_seed(args.seed);
            config.gamma = args.gamma;
            config.theta = args.theta;
            config.jsma_both_directions = args.jsma_both;
            config.pixels = args.pixels;
            if let Some(region) = &args.region {
                anyhow::ensure!(
                    advlens::attacks::accepts_region(kind),
                    "{} does not take a region (it searches by scores or applies a fitted pattern)",
                    kind.label()
                );
                config.region = Some(advlens::attacks::Region::parse(region)?);
            }
            if kind == AttackKind::Universal {
                let path = args.uap.as_deref().context(
                    "--attacks universal needs --uap uap.json (fit one with advlens uap)",
                )?;
                config.universal = Some(super::load_universal(path)?);
            }
            config.validate(usize::MAX)?;
            Ok(config)
        })
        .collect()
}

/// The file stem of a table: model, defence and adaptivity.
fn table_stem(table: &RobustnessTable, defense: Option<&DefenseConfig>) -> String {
    let mut stem = table.model.clone();
    if let Some(defense) = defense {
        stem.push('-');
        stem.push_str(&defense.kind.to_string());
        if table.adaptive {
            stem.push_str("-adaptive");
        }
    }
    stem
}

/// Evaluates with a progress bar (scans done of all).
fn evaluate_with_bar(
    model: &LoadedModel,
    images: &LabelledImages,
    plan: &EvalPlan,
    device: &ComputeDevice,
) -> anyhow::Result<ScanEvaluation> {
    let bar = ProgressBar::new(0);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} images, {elapsed}, eta {eta}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!("{} on {} images", model.card.name, images.len()));
    let mut on_batch = |partial: &ScanEvaluation| {
        bar.set_length(partial.planned as u64);
        bar.set_position(partial.done() as u64);
    };
    let evaluation = evaluate_scans(
        model,
        images,
        plan,
        device,
        &mut EvalHooks {
            should_stop: None,
            on_batch: &mut on_batch,
        },
    )?;
    bar.finish_and_clear();
    Ok(evaluation)
}

pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    if advlens::segment::list_segmenters()?
        .iter()
        .any(|card| card.name == args.model)
    {
        return super::segment_eval::run(args);
    }
    let attacks = attack_plan(args)?;
    let defense = args
        .defense
        .as_deref()
        .map(DefenseConfig::parse)
        .transpose()?;
    let shipped = find_shipped(&args.model)?;
    let device = super::start_device(args.device)?;
    let model = load_model_files(&shipped.weights_path, shipped.card.clone(), &device.device)?;
    let images = ImageSource {
        data: args.data.clone(),
        datasets: args.datasets.clone(),
        split: args.split.clone(),
        limit: args.limit,
    }
    .load_for(&model)?;
    let plan = EvalPlan {
        attacks,
        epsilons: args.eps.clone(),
        defense: defense.clone(),
        adaptive: args.adaptive,
        batch_size: args.batch_size,
    };
    let evaluation = evaluate_with_bar(&model, &images, &plan, &device)?;
    let table = evaluation.table();
    let markdown = table_markdown(&table);
    println!("{markdown}");
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let stem = table_stem(&table, defense.as_ref());
    write_atomic(
        &args.out.join(format!("{stem}.csv")),
        table_csv(&table).as_bytes(),
    )?;
    write_atomic(&args.out.join(format!("{stem}.md")), markdown.as_bytes())?;
    println!(
        "written to {}",
        args.out.join(format!("{stem}.{{csv,md}}")).display()
    );
    if let Some(method) = args.explain {
        let explain = advlens::explain::ExplainConfig {
            seed: args.seed,
            deletion_insertion: args.explain_curves,
            layer: args.explain_layer.map(|block| block as usize - 1),
            target: advlens::explain::ExplainTarget::parse(
                &args.explain_class,
                &model.card.classes,
            )
            .map_err(anyhow::Error::msg)?,
            ..advlens::explain::ExplainConfig::new(method)
        };
        let job = super::eval_explain::ShiftJob {
            model: &model,
            images: &images,
            plan: advlens::eval::ShiftPlan {
                attacks: &plan.attacks,
                epsilons: &plan.epsilons,
                explain: &explain,
                batch_size: args.batch_size,
            },
            out: &args.out,
            stem: &stem,
        };
        super::eval_explain::run_shift_table(&job, &device)?;
    }
    if let Some(report) = &args.report {
        super::eval_report::report_with_twin(
            report,
            evaluation,
            args.compare.as_deref(),
            &super::eval_report::SameScans {
                model: &model,
                images: &images,
                plan: &plan,
                device: &device,
            },
            args.report_eps,
        )?;
    }
    if args.update_card {
        let card_path = shipped.weights_path.with_extension("json");
        let mut card = shipped.card;
        card.robustness.retain(|t| {
            !(t.defense == table.defense
                && t.adaptive == table.adaptive
                && t.region == table.region)
        });
        card.robustness.push(table);
        save_card(&card, &card_path)?;
        println!("added to the card {}", card_path.display());
    }
    Ok(())
}
