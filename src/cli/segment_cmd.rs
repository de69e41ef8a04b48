//! `advlens segment …`: segment one scan with a shipped segmenter and, optionally, attack its
//! mask; writes the three-panel figure, the masks and `segmentation.json`, and prints Dice and
//! the head circumference before and after.

use std::path::PathBuf;

use clap::Args;

use advlens::attacks::{AttackKind, Region, format_epsilon};
use advlens::device::DevicePreference;
use anyhow::Context;

use advlens::defenses::DefenseConfig;
use advlens::export::{SegmentationReport, write_segmentation_files};
use advlens::segment::{
    SegmentationAttack, SegmentationDefense, SegmentationLoss, SegmentationRecipe, load_segmenter,
    prepare_scan, segment_scan,
};

/// Arguments of `segment`.
#[derive(Args, Debug)]
pub struct SegmentArgs {
    /// A shipped segmenter (see `advlens models`).
    #[arg(long, default_value = "fetal-head-unet")]
    model: String,
    /// The scan: PNG, JPEG, TIFF or DICOM (with --recipe: where the recipe's scan is, if not
    /// beside the recipe).
    #[arg(long, required_unless_present = "recipe")]
    scan: Option<PathBuf>,
    /// Replay a `segmentation_recipe.json` (written by every export): its scan, mask, pixel
    /// size, segmenter and attack replace the options, and the answer is checked.
    #[arg(long)]
    recipe: Option<PathBuf>,
    /// The true mask (an image of the same size as the scan, foreground bright); without it
    /// the clean prediction is the reference.
    #[arg(long)]
    mask: Option<PathBuf>,
    /// The scan's pixel size in mm, for the head circumference (default: a DICOM file's own,
    /// or the `pixel_size_mm` of a `<scan>.json` beside it, as the bundled samples have).
    #[arg(long)]
    pixel_size: Option<f32>,
    /// fgsm, bim, pgd or apgd (its loss is --loss); none to segment only.
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
    /// Confine the attack to a rectangle, `left,top,right,bottom` in fractions of the image
    /// (e.g. `0.25,0.25,0.75,0.75`): δ is exactly 0 outside it.
    #[arg(long)]
    region: Option<String>,
    /// A test-time defence in front of the segmenter, e.g. median:3, jpeg:75, bits:4, tv:0.08;
    /// the defended mask is reported too. The attack ignores it unless --adaptive.
    #[arg(long)]
    defense: Option<String>,
    /// Attack through the defence (its gradient exactly where differentiable, BPDA otherwise,
    /// EOT over a random one's draws) instead of ignoring it.
    #[arg(long, requires = "defense")]
    adaptive: bool,
    /// Output folder.
    #[arg(long, default_value = "advlens-segment")]
    out: PathBuf,
    /// auto, gpu or cpu.
    #[arg(long, default_value = "auto")]
    device: DevicePreference,
}

/// What to run: from the options or from a recipe.
struct Plan {
    model: String,
    scan: PathBuf,
    mask: Option<PathBuf>,
    pixel_size: Option<f32>,
    attack: Option<SegmentationAttack>,
    recipe: Option<SegmentationRecipe>,
}

fn plan(args: &SegmentArgs) -> anyhow::Result<Plan> {
    if let Some(path) = &args.recipe {
        let recipe = SegmentationRecipe::load(path)?;
        let (scan, mask) = recipe.locate(path, args.scan.as_deref())?;
        return Ok(Plan {
            model: recipe.model.clone(),
            scan,
            mask,
            pixel_size: recipe.pixel_size_mm,
            attack: recipe.attack()?,
            recipe: Some(recipe),
        });
    }
    let attack = match args.attack {
        Some(kind) => {
            let mut attack = SegmentationAttack::new(kind, args.loss, args.eps)?;
            attack.steps = args.steps.max(1);
            attack.region = args.region.as_deref().map(Region::parse).transpose()?;
            Some(attack.with_seed(args.seed))
        }
        None => None,
    };
    Ok(Plan {
        model: args.model.clone(),
        scan: args.scan.clone().context("--scan is required")?,
        mask: args.mask.clone(),
        pixel_size: args.pixel_size,
        attack,
        recipe: None,
    })
}

pub fn run(args: &SegmentArgs) -> anyhow::Result<()> {
    let device = super::start_device(args.device)?;
    let plan = plan(args)?;
    let model = load_segmenter(&plan.model, &device.device)?;
    let scan = prepare_scan(
        &plan.scan,
        plan.mask.as_deref(),
        plan.pixel_size,
        model.card.spec.input_size,
        &device.device,
    )?;
    let attack = plan.attack.clone();
    let defense = args
        .defense
        .as_deref()
        .map(DefenseConfig::parse)
        .transpose()?;
    let result = segment_scan(
        &model,
        &scan.input,
        scan.reference,
        scan.pixel_mm,
        attack.as_ref(),
        defense.as_ref().map(|config| SegmentationDefense {
            config,
            adaptive: args.adaptive,
        }),
    )?;
    let report = SegmentationReport::of(&result, &model.card.name, &scan.name);
    let recipe = SegmentationRecipe::for_result(
        &plan.scan,
        plan.mask.as_deref(),
        plan.pixel_size,
        &plan.model,
        attack.as_ref(),
        &result,
        &device.description,
    )?;
    write_segmentation_files(&result, &report, Some(&recipe), &args.out)?;
    let mm = |v: Option<f32>| match (v, scan.pixel_mm) {
        (Some(v), _) => format!("{v:.1} mm"),
        (None, Some(_)) => "none (no head found)".to_string(),
        (None, None) => "unknown (no pixel size)".to_string(),
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
            format_epsilon(attack.as_ref().map_or(args.eps, |a| a.epsilon))
        );
    }
    if let Some(defended) = &result.defended {
        println!(
            "behind {} ({} attack): Dice {:.4}, head circumference {}",
            defended.defense,
            if defended.adaptive {
                "adaptive"
            } else {
                "unaware"
            },
            defended.dice,
            mm(defended.hc_mm)
        );
    }
    if let Some(recipe) = &plan.recipe {
        anyhow::ensure!(
            recipe.reproduced_by(&result),
            "the replay differs from the recipe: Dice {:.6} against {:.6} recorded (recorded on {}, now on {})",
            result.adversarial_dice,
            recipe.expected.adversarial_dice,
            recipe.expected.device,
            device.description
        );
        println!("the recipe was reproduced exactly");
    }
    Ok(())
}
