//! The options of `advlens attack` turned into typed configurations: the attack (with its
//! region), the explanation, the class names and the display window.

use anyhow::Context;

use super::attack_cmd::AttackArgs;
use advlens::attacks::{
    AttackConfig, AttackKind, NoiseDistribution, Norm, Region, TargetSpec, parse_epsilon,
    parse_radius,
};
use advlens::explain::{Baseline, ExplainConfig, ExplainTarget};
use advlens::imaging::Window;
use advlens::models::Task;

pub(super) fn parse_window(text: &str) -> Result<Window, String> {
    let (center, width) = text.split_once(',').ok_or("expected CENTER,WIDTH")?;
    let center: f64 = center
        .trim()
        .parse()
        .map_err(|_| "window centre is not a number")?;
    let width: f64 = width
        .trim()
        .parse()
        .map_err(|_| "window width is not a number")?;
    Window::new(center, width).map_err(|err| err.to_string())
}

pub(super) fn parse_class(text: &str, task: Task) -> anyhow::Result<usize> {
    if let Ok(index) = text.parse::<usize>() {
        anyhow::ensure!(
            index < task.num_classes(),
            "class {index} does not exist; classes: {}",
            task.classes().join(", ")
        );
        return Ok(index);
    }
    task.class_index(text).with_context(|| {
        format!(
            "unknown class '{text}'; classes: {}",
            task.classes().join(", ")
        )
    })
}

pub(super) fn explain_config(args: &AttackArgs, task: Task) -> anyhow::Result<ExplainConfig> {
    let classes: Vec<String> = task.classes().iter().map(ToString::to_string).collect();
    let config = ExplainConfig {
        method: args.explain,
        layer: args.explain_layer.map(|block| block as usize - 1),
        target: ExplainTarget::parse(&args.explain_class, &classes).map_err(anyhow::Error::msg)?,
        samples: args.explain_samples,
        sigma: args.explain_sigma,
        steps: args.ig_steps,
        baseline: match args.ig_baseline.as_str() {
            "black" => Baseline::Black,
            "blurred" => Baseline::Blurred,
            "noise" => Baseline::Noise,
            other => anyhow::bail!("unknown baseline '{other}': expected black, blurred or noise"),
        },
        seed: args.seed,
        occlusion_window: args.occlusion_window,
        occlusion_stride: args.occlusion_stride,
        deletion_insertion: args.explain_curves,
        sanity_check: args.explain_sanity,
    };
    config.validate()?;
    Ok(config)
}

pub(super) fn attack_config(args: &AttackArgs, task: Task) -> anyhow::Result<AttackConfig> {
    let kind: AttackKind = args.attack.parse()?;
    let chosen_norm = parse_norm(&args.norm)?;
    let norm = if kind.has_norm_choice() {
        chosen_norm
    } else {
        kind.default_norm()
    };
    let mut config = AttackConfig::new(kind, parse_radius(&args.eps, norm)?)
        .with_steps(args.steps.unwrap_or_else(|| kind.default_steps()))
        .with_restarts(args.restarts)
        .with_momentum(args.momentum)
        .with_seed(args.seed)
        .with_noise(match args.noise.as_str() {
            "gaussian" => NoiseDistribution::Gaussian,
            "uniform" => NoiseDistribution::Uniform,
            other => anyhow::bail!("unknown noise '{other}': expected gaussian or uniform"),
        })
        .with_norm(chosen_norm)
        .with_queries(args.queries)
        .with_search(args.search_steps, args.initial_const)
        .with_pixels(args.pixels, args.population);
    config.overshoot = args.overshoot;
    config.confidence = args.confidence;
    config.learning_rate = args.learning_rate;
    config.p_init = args.p_init;
    config.theta = args.theta;
    config.gamma = args.gamma;
    config.jsma_both_directions = args.jsma_both;
    if kind == AttackKind::Universal {
        let path = args
            .uap
            .as_deref()
            .context("--attack universal needs --uap uap.json (fit one with advlens uap)")?;
        config.universal = Some(super::load_universal(path)?);
    }
    if let Some(region) = &args.region {
        config.region = Some(Region::parse(region)?);
    }
    if let Some(step) = &args.step_size {
        config = config.with_step_size(parse_epsilon(step)?);
    }
    config = config.with_target(match args.target.as_deref() {
        None => TargetSpec::Untargeted,
        Some("least-likely") => TargetSpec::LeastLikely,
        Some(class) => TargetSpec::Class(parse_class(class, task)?),
    });
    config.validate(task.num_classes())?;
    Ok(config)
}

fn parse_norm(text: &str) -> anyhow::Result<Norm> {
    match text {
        "linf" => Ok(Norm::Linf),
        "l2" => Ok(Norm::L2),
        other => anyhow::bail!("unknown norm '{other}': expected linf or l2"),
    }
}
