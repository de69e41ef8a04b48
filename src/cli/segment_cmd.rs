//! `advlens segment …`: segment one scan with a shipped segmenter and, optionally, attack its
//! mask; writes the three-panel figure, the masks and `segmentation.json`, and prints Dice and
//! the head circumference before and after.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde::Serialize;

use advlens::attacks::{AttackKind, format_epsilon};
use advlens::device::DevicePreference;
use advlens::export::{segmentation_figure, write_atomic, write_grey8, write_rgb8};
use advlens::imaging::{GreyImage, LoadOptions, load_scan, resize_grey};
use advlens::segment::{
    SegmentationAttack, SegmentationLoss, SegmentationResult, load_segmenter, pad_to_square,
    segment_scan, segmentation_input,
};

/// Arguments of `segment`.
#[derive(Args, Debug)]
pub struct SegmentArgs {
    /// A shipped segmenter (see `advlens models`).
    #[arg(long, default_value = "fetal-head-unet")]
    model: String,
    /// The scan: PNG, JPEG, TIFF or DICOM.
    #[arg(long)]
    scan: PathBuf,
    /// The true mask (an image of the same size as the scan, foreground bright); without it
    /// the clean prediction is the reference.
    #[arg(long)]
    mask: Option<PathBuf>,
    /// The scan's pixel size in mm (DICOM files state theirs), for the head circumference.
    #[arg(long)]
    pixel_size: Option<f32>,
    /// fgsm, bim or pgd; none to segment only.
    #[arg(long)]
    attack: Option<AttackKind>,
    /// Adversarial loss: bce, dice, target:empty, target:shift:DX,DY or target:grow:N.
    #[arg(long, default_value = "dice")]
    loss: SegmentationLoss,
    /// L∞ radius, e.g. 4/255.
    #[arg(long, default_value = "4/255", value_parser = super::parse_epsilon_arg)]
    eps: f64,
    /// Steps of BIM and PGD.
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Seed of PGD's random start.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder.
    #[arg(long, default_value = "advlens-segment")]
    out: PathBuf,
    /// auto, gpu or cpu.
    #[arg(long, default_value = "auto")]
    device: DevicePreference,
}

/// What `segmentation.json` holds (no paths, no patient data).
#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    scan: String,
    attack: Option<String>,
    reference: &'static str,
    linf_255: f32,
    clean_dice: f32,
    adversarial_dice: f32,
    adversarial_mean_iou: f32,
    clean_foreground_pixels: usize,
    adversarial_foreground_pixels: usize,
    clean_hc_mm: Option<f32>,
    adversarial_hc_mm: Option<f32>,
}

/// Reads a mask image the way the scan is prepared (padded, resized), cut at half its range.
fn read_mask(path: &std::path::Path, size: usize) -> anyhow::Result<Vec<bool>> {
    let scan = load_scan(path, &LoadOptions::default())
        .with_context(|| format!("reading the mask {}", path.display()))?;
    let resized = resize_grey(&pad_to_square(&scan.raw), size, size);
    let (low, high) = resized.min_max();
    anyhow::ensure!(high > low, "the mask {} is blank", path.display());
    Ok(resized
        .pixels
        .iter()
        .map(|&v| v > 0.5 * (low + high))
        .collect())
}

pub fn run(args: &SegmentArgs) -> anyhow::Result<()> {
    let device = super::start_device(args.device)?;
    let model = load_segmenter(&args.model, &device.device)?;
    let size = model.card.spec.input_size;
    let scan = load_scan(&args.scan, &LoadOptions::default())?;
    let (input, scan_pixel_mm) = segmentation_input(&scan, size, &device.device);
    let side = scan.display.width.max(scan.display.height) as f32;
    let pixel_mm = args
        .pixel_size
        .map(|mm| mm * side / size as f32)
        .or(scan_pixel_mm);
    let reference = args
        .mask
        .as_deref()
        .map(|p| read_mask(p, size))
        .transpose()?;
    let attack = match args.attack {
        Some(kind) => {
            let mut attack = SegmentationAttack::new(kind, args.loss, args.eps)?;
            attack.steps = args.steps.max(1);
            Some(attack.with_seed(args.seed))
        }
        None => None,
    };
    let result = segment_scan(&model, &input, reference, pixel_mm, attack.as_ref())?;
    std::fs::create_dir_all(&args.out)?;
    let (width, height, figure) = segmentation_figure(&result, 3);
    write_rgb8(width, height, &figure, &args.out.join("segmentation.png"))?;
    let as_image = |probability: &[f32]| GreyImage {
        width: size,
        height: size,
        pixels: SegmentationResult::mask(probability)
            .iter()
            .map(|&m| f32::from(u8::from(m)))
            .collect(),
    };
    write_grey8(
        &as_image(&result.clean_probability),
        &args.out.join("mask_clean.png"),
    )?;
    write_grey8(
        &as_image(&result.adversarial_probability),
        &args.out.join("mask_adversarial.png"),
    )?;
    write_grey8(&result.adversarial, &args.out.join("adversarial.png"))?;
    let area = |p: &[f32]| p.iter().filter(|&&v| v > 0.5).count();
    let report = Report {
        model: &model.card.name,
        scan: scan.metadata.source_name.clone(),
        attack: result.attack.clone(),
        reference: if result.reference_given {
            "the given mask"
        } else {
            "the clean prediction"
        },
        linf_255: result.linf * 255.0,
        clean_dice: result.clean_dice,
        adversarial_dice: result.adversarial_dice,
        adversarial_mean_iou: result.adversarial_mean_iou,
        clean_foreground_pixels: area(&result.clean_probability),
        adversarial_foreground_pixels: area(&result.adversarial_probability),
        clean_hc_mm: result.clean_hc_mm,
        adversarial_hc_mm: result.adversarial_hc_mm,
    };
    let json = serde_json::to_string_pretty(&report)?;
    write_atomic(
        &args.out.join("segmentation.json"),
        (json + "\n").as_bytes(),
    )?;
    let mm = |v: Option<f32>| {
        v.map_or_else(
            || "unknown (no pixel size)".to_string(),
            |v| format!("{v:.1} mm"),
        )
    };
    println!(
        "{}: Dice against {} {:.4} clean, {:.4} {}; head circumference {} clean, {} attacked; written to {}",
        report.scan,
        report.reference,
        result.clean_dice,
        result.adversarial_dice,
        result
            .attack
            .as_deref()
            .map_or_else(|| "unattacked".to_string(), |a| format!("under {a}")),
        mm(result.clean_hc_mm),
        mm(result.adversarial_hc_mm),
        args.out.display()
    );
    if attack.is_some() {
        println!(
            "largest pixel change: {} (ε = {})",
            format_epsilon(f64::from(result.linf)),
            format_epsilon(args.eps)
        );
    }
    Ok(())
}
