//! `advlens bench`, segmenters: median latency of a forward pass, FGSM (one input gradient and
//! one step) and PGD-20 (Dice loss) of each shipped U-Net on a bundled ultrasound sample.

use advlens::attacks::AttackKind;
use advlens::device::ComputeDevice;
use advlens::segment::{
    SegmentationAttack, SegmentationLoss, list_segmenters, load_segmenter, prepare_scan,
};

use super::bench_cmd::{BenchArgs, median_ms};

/// Prints the segmenters' table (none without a shipped segmenter or the sample).
pub(super) fn bench_segmenters(args: &BenchArgs, device: &ComputeDevice) -> anyhow::Result<()> {
    let cards = list_segmenters()?;
    let samples = advlens::resources::locate(advlens::resources::Resource::SampleData)?;
    let scan_path = samples.join("fetal_head_147.png");
    if cards.is_empty() || !scan_path.is_file() {
        return Ok(());
    }
    println!();
    println!("| segmenter | forward | FGSM (one input gradient) | PGD-20 (Dice loss) |");
    println!("|---|---:|---:|---:|");
    for card in cards
        .iter()
        .filter(|c| super::bench_cmd::is_selected(args, &c.name))
    {
        let model = load_segmenter(&card.name, &device.device)?;
        let scan = prepare_scan(&scan_path, None, None, card.spec.input_size, &device.device)?;
        let mask = model
            .inference
            .forward(scan.input.clone())
            .greater_elem(0.0)
            .float();
        let forward = median_ms(args.runs, || {
            let _ = model.inference.forward(scan.input.clone()).into_data();
            Ok(())
        })?;
        let fgsm = SegmentationAttack::new(AttackKind::Fgsm, SegmentationLoss::Dice, 2.0 / 255.0)?;
        let one_gradient = median_ms(args.runs, || {
            let _ = fgsm
                .run(&model.differentiable, &scan.input, &mask)?
                .into_data();
            Ok(())
        })?;
        let mut pgd =
            SegmentationAttack::new(AttackKind::Pgd, SegmentationLoss::Dice, 2.0 / 255.0)?;
        pgd.steps = 20;
        let pgd_time = median_ms(args.runs.min(5), || {
            let _ = pgd
                .run(&model.differentiable, &scan.input, &mask)?
                .into_data();
            Ok(())
        })?;
        println!(
            "| {} | {forward:.1} | {one_gradient:.1} | {pgd_time:.1} |",
            card.name
        );
    }
    Ok(())
}
