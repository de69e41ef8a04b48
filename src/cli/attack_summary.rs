//! What `advlens attack` reports after a run: the summary on the terminal, the check that the
//! 8-bit PNG still fools the model, and the comparison of a replay with its recipe.

use std::path::Path;

use advlens::attacks::{attack_succeeded, format_radius, predicted_class, probabilities};
use advlens::export::{AttackReport, PredictionReport};
use advlens::imaging::{LoadOptions, load_scan, model_input_from_scan};
use advlens::models::LoadedModel;
use advlens::recipe::Recipe;

/// Compares a replay with the recipe's recorded answer.
pub fn report_replay(
    recipe: &Recipe,
    result: &advlens::pipeline::AttackResult,
    device: &str,
) -> anyhow::Result<()> {
    let expected = &recipe.expected;
    let exact = expected.adversarial_probs == result.adversarial_prediction.probs
        && expected.adversarial_label == result.adversarial_prediction.label;
    let largest: f32 = expected
        .adversarial_probs
        .iter()
        .zip(&result.adversarial_prediction.probs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    if exact {
        println!("replay:      reproduced the recipe exactly");
    } else if expected.adversarial_label == result.adversarial_prediction.label {
        println!(
            "replay:      same prediction; probabilities differ by up to {largest:.2e} (recorded on {}, replayed on {device})",
            expected.device
        );
    } else {
        anyhow::bail!(
            "the replay gave {} where the recipe recorded class {} (recorded on {}, replayed on {device})",
            result.adversarial_prediction.class_name,
            expected.adversarial_label,
            expected.device
        );
    }
    Ok(())
}

/// Reads the 8-bit PNG back and asks the model again: rounding to 1/255 can undo a small
/// attack.
pub fn check_png8(
    model: &LoadedModel,
    device: &burn::tensor::Device,
    path: &Path,
    result: &advlens::pipeline::AttackResult,
    report: &mut AttackReport,
) -> anyhow::Result<()> {
    let reread = load_scan(path, &LoadOptions::default())?;
    let input = model_input_from_scan(&reread, model.card.spec.input_size, device);
    let probs = probabilities(&model.models, &input)?
        .into_iter()
        .next()
        .unwrap_or_default();
    let label = predicted_class(&probs);
    report.png8_success = Some(attack_succeeded(label, result.label, result.target));
    report.png8 = Some(PredictionReport {
        label,
        class: model.card.classes.get(label).cloned().unwrap_or_default(),
        probs,
    });
    Ok(())
}

/// What only some attacks report: the size a minimal attack needed, the queries of a
/// score-based one, AutoAttack's stages, and notes on what ran differently.
fn print_attack_facts(report: &AttackReport) {
    if let Some(needed) = report.needed_norm {
        println!("needed:      ‖δ‖ = {}", format_radius(needed, report.norm));
    }
    if report.queries > 0 {
        println!("queries:     {} score queries, no gradient", report.queries);
    }
    for stage in &report.stages {
        let state = if stage.robust.first().copied().unwrap_or(false) {
            "still correct"
        } else {
            "fooled (or already wrong)"
        };
        println!("stage:       {:<22} {state}", stage.name);
    }
    for note in &report.notes {
        println!("note:        {note}");
    }
}

pub fn print_summary(report: &AttackReport, out: &Path) {
    let percent = |probs: &[f32], label: usize| 100.0 * probs.get(label).copied().unwrap_or(0.0);
    println!("scan:        {}", report.scan.name);
    println!("model:       {}", report.model);
    if report.attack.kind.uses_epsilon() {
        println!(
            "attack:      {} at ε = {}",
            report.attack.kind,
            format_radius(report.attack.epsilon, report.norm)
        );
    } else {
        println!("attack:      {}", report.attack.describe());
    }
    println!(
        "clean:       {} ({:.1}%)",
        report.clean.class,
        percent(&report.clean.probs, report.clean.label)
    );
    println!(
        "adversarial: {} ({:.1}%)",
        report.adversarial.class,
        percent(&report.adversarial.probs, report.adversarial.label)
    );
    println!("outcome:     {}", report.outcome);
    print_attack_facts(report);
    if let (Some(png8), Some(success)) = (&report.png8, report.png8_success) {
        println!(
            "8-bit PNG:   {} ({:.1}%), {}",
            png8.class,
            percent(&png8.probs, png8.label),
            if success {
                "still fools the model"
            } else {
                "no longer fools the model"
            }
        );
    }
    let psnr = report
        .psnr
        .map_or_else(|| "∞".to_string(), |p| format!("{p:.1} dB"));
    println!(
        "size:        L∞ {:.4} ({:.2}/255), L2 {:.3}, L0 {}, PSNR {psnr}, SSIM {:.4}",
        report.linf,
        report.linf * 255.0,
        report.l2,
        report.l0,
        report.ssim
    );
    if let (Some(region), Some(fraction)) = (&report.attack.region, report.region_allowed_fraction)
    {
        println!(
            "region:      {} (left,top,right,bottom): {:.1}% of the pixels may change",
            region.to_text(),
            fraction * 100.0
        );
    }
    print_explanation(report);
    if let Some(defended) = &report.defended {
        let share = if defended.vote { " of the votes" } else { "" };
        println!(
            "defended:    {} — clean {} ({:.1}%{share}), adversarial {} ({:.1}%{share})",
            defended.defense,
            defended.clean.class,
            percent(&defended.clean.probs, defended.clean.label),
            defended.adversarial.class,
            percent(&defended.adversarial.probs, defended.adversarial.label)
        );
        println!("gradient:    {}", report.gradient);
        for (which, certificate) in [
            ("clean", &defended.clean_certificate),
            ("adversarial", &defended.adversarial_certificate),
        ] {
            if let Some(certificate) = certificate {
                println!("certified:   {which}: {}", certificate_text(certificate));
            }
        }
    }
    if let Some(detection) = &report.detection {
        let verdict = |score: f32| {
            if score > detection.threshold {
                "flagged"
            } else {
                "passed"
            }
        };
        println!(
            "squeezing:   clean {:.3} ({}), adversarial {:.3} ({}); threshold {:.3}",
            detection.clean_score,
            verdict(detection.clean_score),
            detection.adversarial_score,
            verdict(detection.adversarial_score),
            detection.threshold
        );
    }
    println!(
        "time:        {:.0} ms on {}",
        report.elapsed_ms, report.device
    );
    println!("written to:  {}", out.display());
}

/// A smoothing certificate in words.
fn certificate_text(certificate: &advlens::defenses::Certificate) -> String {
    match certificate.class {
        Some(class) => format!(
            "class {class}, L2 radius {:.3} ({} of {} votes, p ≥ {:.3})",
            certificate.radius, certificate.votes, certificate.samples, certificate.p_lower
        ),
        None => format!(
            "abstains ({} of {} votes for the top class, p ≥ {:.3})",
            certificate.votes, certificate.samples, certificate.p_lower
        ),
    }
}

/// The explanation's shift and, when measured, its deletion and insertion areas.
fn print_explanation(report: &AttackReport) {
    let shift = report.explanation_shift;
    println!(
        "explanation: {} moved: {}",
        report.explanation,
        shift.summary()
    );
    if let Some(faithfulness) = &report.faithfulness {
        println!(
            "faithfulness: deletion AUC {:.3} clean, {:.3} adversarial (lower: the map found what matters); insertion AUC {:.3} clean, {:.3} adversarial (higher)",
            faithfulness.clean.deletion_auc,
            faithfulness.adversarial.deletion_auc,
            faithfulness.clean.insertion_auc,
            faithfulness.adversarial.insertion_auc
        );
    }
    if let Some(sanity) = &report.sanity {
        let steps: Vec<String> = sanity
            .stages
            .iter()
            .map(|s| format!("{} ρ {:.2}", s.randomized, s.spearman))
            .collect();
        println!(
            "sanity:      {}{}",
            steps.join(" → "),
            if sanity.flagged {
                " — FLAGGED: the map barely changes with the weights randomised"
            } else {
                ""
            }
        );
    }
}
