//! `advlens attack …`: one scan in, images and `result.json` out.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::attack_options::{attack_config, explain_config, parse_class, parse_window};
use super::attack_summary;
use advlens::attacks::{AttackConfig, AttackControl};
use advlens::defenses::DefenseConfig;
use advlens::device::DevicePreference;
use advlens::explain::{ExplainConfig, ExplainMethod};
use advlens::export::{AttackReport, write_atomic, write_result_images};

/// Opacity of the Grad-CAM overlay in the written images.
const OVERLAY_OPACITY: f32 = 0.6;

use advlens::imaging::{LoadOptions, Window, load_scan};
use advlens::models::load_shipped;
use advlens::pipeline::{AttackRequest, AttackSpec, run_pipeline};
use advlens::recipe::Recipe;

/// Arguments of `attack`.
#[derive(Args, Debug)]
#[allow(clippy::struct_excessive_bools)] // command-line switches are bools by nature
pub struct AttackArgs {
    /// The scan: PNG, JPEG, TIFF or DICOM (with --recipe: where the recipe's scan is, if not
    /// beside the recipe).
    #[arg(long, required_unless_present = "recipe")]
    pub(super) scan: Option<PathBuf>,
    /// Replay a recipe exported from the window; its scan, model and attack replace the
    /// options above.
    #[arg(long)]
    pub(super) recipe: Option<PathBuf>,
    /// A shipped model (see `advlens models`).
    #[arg(long, default_value = "chest-xray-cnn")]
    pub(super) model: String,
    /// fgsm, bim, pgd, pgd-l2, mifgsm, apgd-ce, apgd-dlr, autoattack, deepfool, cw, square,
    /// jsma, few-pixel, universal (with --uap) or noise.
    #[arg(long, default_value = "fgsm")]
    pub(super) attack: String,
    /// ε on the [0, 1] scale or as k/255 (e.g. 8/255); for pgd-l2, cw and the L2 variants,
    /// the L2 radius. Not used by the minimal attacks (deepfool, cw).
    #[arg(long, default_value = "2/255")]
    pub(super) eps: String,
    /// Iterations: gradient steps (BIM, PGD, MI-FGSM, APGD: default 20, 100 for APGD and
    /// AutoAttack), DeepFool's maximum (50), C&W's Adam steps per search (100).
    #[arg(long)]
    pub(super) steps: Option<usize>,
    /// DeepFool's overshoot.
    #[arg(long, default_value_t = 0.02)]
    pub(super) overshoot: f64,
    /// C&W's confidence κ.
    #[arg(long, default_value_t = 0.0)]
    pub(super) confidence: f64,
    /// C&W's binary-search steps over c.
    #[arg(long, default_value_t = 5)]
    pub(super) search_steps: usize,
    /// C&W's first constant c.
    #[arg(long, default_value_t = 1.0)]
    pub(super) initial_const: f64,
    /// C&W's Adam learning rate.
    #[arg(long, default_value_t = 0.01)]
    pub(super) learning_rate: f64,
    /// Query budget of the Square attack (and of AutoAttack's Square stage).
    #[arg(long, default_value_t = 5000)]
    pub(super) queries: usize,
    /// Square's initial fraction of the image in the square.
    #[arg(long, default_value_t = 0.8)]
    pub(super) p_init: f64,
    /// The few-pixel attack's L0 budget: pixels it may change.
    #[arg(long, default_value_t = 3)]
    pub(super) pixels: usize,
    /// The few-pixel attack's population per generation (its generations are --steps).
    #[arg(long, default_value_t = 100)]
    pub(super) population: usize,
    /// JSMA's change per pixel θ (negative darkens).
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true)]
    pub(super) theta: f64,
    /// JSMA's largest fraction of pixels to change γ.
    #[arg(long, default_value_t = 0.1)]
    pub(super) gamma: f64,
    /// JSMA moves each pixel by +|θ| or −|θ|, whichever is more salient (the maximal JSMA).
    #[arg(long)]
    pub(super) jsma_both: bool,
    /// The universal perturbation (`uap.json` from `advlens uap`) for `--attack universal`.
    #[arg(long)]
    pub(super) uap: Option<PathBuf>,
    /// Step size (number or k/255); default: ε/steps (BIM, MI-FGSM) or 2.5·ε/steps (PGD).
    #[arg(long)]
    pub(super) step_size: Option<String>,
    /// Confine the attack to a rectangle `left,top,right,bottom` in fractions of the width and
    /// height (e.g. `0.1,0.2,0.5,0.8`): δ is exactly 0 outside it. Gradient attacks and the
    /// noise control only.
    #[arg(long)]
    pub(super) region: Option<String>,
    /// Random restarts (PGD).
    #[arg(long, default_value_t = 1)]
    pub(super) restarts: usize,
    /// Momentum decay (MI-FGSM).
    #[arg(long, default_value_t = 1.0)]
    pub(super) momentum: f64,
    /// Target: a class name or index, or `least-likely`; untargeted when absent.
    #[arg(long)]
    pub(super) target: Option<String>,
    /// Norm of the noise control, DeepFool, APGD, Square and AutoAttack-lite: linf or l2.
    #[arg(long, default_value = "linf")]
    pub(super) norm: String,
    /// Noise distribution: gaussian or uniform.
    #[arg(long, default_value = "gaussian")]
    pub(super) noise: String,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 0)]
    pub(super) seed: u64,
    /// The true class (name or index); the clean prediction is used when absent.
    #[arg(long)]
    pub(super) label: Option<String>,
    /// A test-time defence for the defended output, `NAME[:VALUE][,KEY=VALUE…]`: jpeg[:quality],
    /// median[:size], blur[:sigma], bits[:bits] (classical baselines), tv[:weight],
    /// wavelet[:levels], deflection[:pixels], medrdf[:copies], smoothing[:sigma,n=…,alpha=…].
    #[arg(long)]
    pub(super) defense: Option<String>,
    /// The explanation drawn on both images: gradcam, gradcam++, xgradcam, hirescam, layercam,
    /// eigencam, scorecam, saliency, gradient-x-input, smoothgrad, integrated-gradients or
    /// occlusion.
    #[arg(long, default_value = "gradcam")]
    pub(super) explain: ExplainMethod,
    /// SmoothGrad's noisy copies.
    #[arg(long, default_value_t = 25)]
    pub(super) explain_samples: usize,
    /// SmoothGrad's noise σ on the [0, 1] scale.
    #[arg(long, default_value_t = 0.15)]
    pub(super) explain_sigma: f64,
    /// Integrated Gradients' steps along the path.
    #[arg(long, default_value_t = 32)]
    pub(super) ig_steps: usize,
    /// Integrated Gradients' baseline: black, blurred or noise.
    #[arg(long, default_value = "black")]
    pub(super) ig_baseline: String,
    /// Occlusion's square window, in pixels.
    #[arg(long, default_value_t = 16)]
    pub(super) occlusion_window: usize,
    /// Occlusion's stride, in pixels (at most the window).
    #[arg(long, default_value_t = 8)]
    pub(super) occlusion_stride: usize,
    /// Also measure both maps' deletion and insertion curves (Petsiuk et al. 2018) and their
    /// areas, written to result.json.
    #[arg(long)]
    pub(super) explain_curves: bool,
    /// Also run the cascading-randomisation sanity check (Adebayo et al. 2018) on the clean
    /// map: ρ per randomised layer in result.json, the maps in sanity.png.
    #[arg(long)]
    pub(super) explain_sanity: bool,
    /// The class both maps explain: predicted (each its own prediction), clean (the clean
    /// prediction), adversarial (the adversarial prediction), true, or a class name or index.
    #[arg(long, default_value = "predicted")]
    pub(super) explain_class: String,
    /// The block the CAM family reads, 1-based (compact CNN: blocks 1–4; ResNet-18: layer1–4);
    /// default the last.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=4))]
    pub(super) explain_layer: Option<u32>,
    /// Also draw every explanation method's clean and adversarial map on one page
    /// (`explanation_atlas.png`), with the class, block and parameters chosen above.
    #[arg(long)]
    pub(super) explain_atlas: bool,
    /// Also write an animated GIF of the attack at evenly spaced ε from 0 to --eps (the
    /// adversarial image, the perturbation on one colour scale and the explanation, with ε and
    /// the prediction burnt in), for slides.
    #[arg(long)]
    pub(super) animate: Option<PathBuf>,
    /// Frames of --animate.
    #[arg(long, default_value_t = 24)]
    pub(super) animate_frames: usize,
    /// Frames per second of --animate.
    #[arg(long, default_value_t = 6.0)]
    pub(super) animate_fps: f32,
    /// Attack through the defence: exact gradients where it is differentiable, BPDA
    /// (straight-through) where it is not, EOT over draws where it is random.
    #[arg(long, requires = "defense")]
    pub(super) adaptive: bool,
    /// DICOM frame (0-based).
    #[arg(long, default_value_t = 0)]
    pub(super) frame: usize,
    /// Window centre and width, e.g. `40,400`, instead of the file's.
    #[arg(long, value_parser = parse_window)]
    pub(super) window: Option<Window>,
    /// auto, gpu or cpu.
    #[arg(long, default_value = "auto")]
    pub(super) device: DevicePreference,
    /// Output folder.
    #[arg(long, default_value = "advlens-output")]
    pub(super) out: PathBuf,
}

/// What to run: from the options or from a recipe.
struct Plan {
    scan: PathBuf,
    options: LoadOptions,
    model: String,
    recipe: Option<Recipe>,
}

fn plan(args: &AttackArgs) -> anyhow::Result<Plan> {
    if let Some(recipe_path) = &args.recipe {
        let recipe = Recipe::load(recipe_path)?;
        let scan = recipe.locate_scan(recipe_path, args.scan.as_deref())?;
        return Ok(Plan {
            scan,
            options: recipe.load_options(),
            model: recipe.model.clone(),
            recipe: Some(recipe),
        });
    }
    let scan = args.scan.clone().context("--scan is required")?;
    Ok(Plan {
        scan,
        options: LoadOptions {
            frame: args.frame,
            window: args.window,
        },
        model: args.model.clone(),
        recipe: None,
    })
}

pub fn run(args: &AttackArgs) -> anyhow::Result<()> {
    let plan = plan(args)?;
    let device = super::start_device(args.device)?;
    let model = load_shipped(&plan.model, &device.device)?;
    let task = model.card.spec.task;
    let mut spec = match &plan.recipe {
        Some(recipe) => recipe.spec.clone(),
        None => AttackSpec {
            attack: attack_config(args, task)?,
            true_label: args
                .label
                .as_deref()
                .map(|label| parse_class(label, task))
                .transpose()?,
            defense: None,
            adaptive: false,
            explain: explain_config(args, task)?,
        },
    };
    if spec.defense.is_none() {
        // A recipe without a defence can be replayed behind one given on the command line.
        spec.defense = args
            .defense
            .as_deref()
            .map(DefenseConfig::parse)
            .transpose()?;
        spec.adaptive = args.adaptive;
    }
    let scan = load_scan(&plan.scan, &plan.options)?;
    let request = AttackRequest { scan, spec };
    let bar = progress_bar(&request.spec.attack);
    let done = AtomicUsize::new(0);
    let report_step = |step: usize, total: usize| {
        done.store(step, Ordering::Relaxed);
        bar.set_length(total as u64);
        bar.set_position(step as u64);
    };
    let explanation_bar = explanation_bar(&request.spec.explain);
    let report_pass = |pass: usize, total: usize| {
        explanation_bar.set_length(total as u64);
        explanation_bar.set_position(pass as u64);
    };
    let control = AttackControl {
        on_step: Some(&report_step),
        on_explanation_step: Some(&report_pass),
        ..AttackControl::default()
    };
    let result = run_pipeline(&model, &request, &device, &control)?;
    bar.finish_and_clear();
    explanation_bar.finish_and_clear();
    let mut report = AttackReport::new(
        &request.scan.metadata,
        &model.name,
        &model.card.classes,
        &result,
    );
    report.files = write_result_images(&result, &args.out, OVERLAY_OPACITY)?;
    attack_summary::check_png8(
        &model,
        &device.device,
        &args.out.join("adversarial.png"),
        &result,
        &mut report,
    )?;
    let recipe = Recipe::for_result(
        &plan.scan,
        plan.options,
        &model.name,
        &request.spec,
        &result,
    )?;
    write_atomic(
        &args.out.join("recipe.json"),
        serde_json::to_string_pretty(&recipe)?.as_bytes(),
    )?;
    report.files.push("recipe.json".to_string());
    if args.explain_atlas {
        report.files.push(super::atlas::write_atlas(
            &model, &result, &request, &device, &args.out,
        )?);
    }
    if let Some(path) = &args.animate {
        super::animate::write_animation(
            &model,
            &request,
            &device,
            (args.animate_frames, args.animate_fps),
            path,
        )?;
        report.files.push(path.display().to_string());
    }
    report.files.push("result.json".to_string());
    write_atomic(
        &args.out.join("result.json"),
        serde_json::to_string_pretty(&report)?.as_bytes(),
    )?;
    attack_summary::print_summary(&report, &args.out);
    if let Some(recipe) = &plan.recipe {
        attack_summary::report_replay(recipe, &result, &device.description)?;
    }
    Ok(())
}

/// A bar for the masked forward passes of Score-CAM and occlusion (both maps); hidden for the
/// fast methods.
fn explanation_bar(config: &ExplainConfig) -> ProgressBar {
    if !matches!(
        config.method,
        ExplainMethod::ScoreCam | ExplainMethod::Occlusion
    ) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} masked passes") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(config.method.label());
    bar
}

fn progress_bar(config: &AttackConfig) -> ProgressBar {
    if !config.kind.is_iterative() {
        return ProgressBar::hidden();
    }
    let unit = config.kind.progress_unit();
    let bar = ProgressBar::new((config.steps * config.restarts) as u64);
    if let Ok(style) =
        ProgressStyle::with_template(&format!("{{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit}"))
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(config.kind.to_string());
    bar
}
