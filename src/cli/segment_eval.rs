//! `advlens eval --model <segmenter>`: the segmentation robustness table — Dice, mean IoU and
//! head-circumference error of FGSM, BIM and PGD with each adversarial loss at each ε — on a
//! split of the segmenter's data set, as CSV and Markdown.

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use advlens::attacks::AttackKind;
use advlens::datasets::shared_datasets_dir;
use advlens::export::write_atomic;
use advlens::segment::{
    SegmentationAttack, SegmentationPlan, evaluate_segmentation_robustness,
    load_segmentation_dataset, load_segmenter,
};

use super::eval_cmd::EvalArgs;

pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.data.is_none()
            && args.defense.is_none()
            && args.explain.is_none()
            && args.report.is_none()
            && !args.update_card,
        "for a segmenter, eval measures the data-set split only: --data, --defense, --explain, --report and --update-card apply to classifiers"
    );
    let device = super::start_device(args.device)?;
    let model = load_segmenter(&args.model, &device.device)?;
    let root = args
        .datasets
        .clone()
        .or_else(shared_datasets_dir)
        .context("no data-set folder: pass --datasets or set ADVLENS_DATASETS")?;
    let dataset = load_segmentation_dataset(&root, model.card.spec.task)?;
    let split = dataset
        .split(&args.split)
        .context("unknown split: expected test, val or train")?;
    let region = args
        .region
        .as_deref()
        .map(advlens::attacks::Region::parse)
        .transpose()?;
    let mut attacks = Vec::new();
    for &kind in &args.attacks {
        for &loss in &args.loss {
            let mut attack = SegmentationAttack::new(kind, loss, 0.0)?;
            if kind != AttackKind::Fgsm {
                attack.steps = args.steps.unwrap_or(10).max(1);
            }
            attack.region = region;
            attacks.push(attack.with_seed(args.seed));
        }
    }
    let cells = (attacks.len() * args.eps.len()) as u64;
    let bar = ProgressBar::new(cells);
    if let Ok(style) = ProgressStyle::with_template("[{bar:30}] {pos}/{len} cells, eta {eta}") {
        bar.set_style(style.progress_chars("=> "));
    }
    let confined = region.map_or_else(String::new, |r| {
        format!(
            "; every attack confined to the region {} (δ = 0 outside)",
            r.to_text()
        )
    });
    let source = format!("the {} split of {}{confined}", args.split, dataset.file);
    let table = evaluate_segmentation_robustness(
        &model,
        split,
        &source,
        &SegmentationPlan {
            attacks,
            epsilons: args.eps.clone(),
            limit: args.limit,
            batch_size: args.batch_size,
        },
        &device.device,
        &mut |_, _| bar.inc(1),
    )?;
    bar.finish_and_clear();
    std::fs::create_dir_all(&args.out)?;
    let markdown = table.markdown();
    write_atomic(&args.out.join("segmentation.md"), markdown.as_bytes())?;
    write_atomic(&args.out.join("segmentation.csv"), table.csv().as_bytes())?;
    println!("{markdown}\nWritten to {}", args.out.display());
    Ok(())
}
