//! Compare mode: a result pinned beside the next one on the same scan (another model, attack,
//! defence or ε), the table of both runs' numbers with their difference, and the shipped
//! standard/robust pairs that one click puts side by side. Only result values are read here;
//! nothing is computed on tensors.

use std::sync::Arc;

use crate::pipeline::{AttackResult, Prediction};

/// One side of a comparison: a result, the model that gave it and that model's classes.
#[derive(Debug, Clone)]
pub struct CompareSide {
    /// The result.
    pub result: Arc<AttackResult>,
    /// The model's name.
    pub model: String,
    /// The model's classes, in output order.
    pub classes: Vec<String>,
}

/// The pinned result and the number its views' images are uploaded under.
#[derive(Debug, Clone)]
pub struct Pinned {
    /// What was pinned.
    pub side: CompareSide,
    /// The result number it had when it was pinned (keys its uploaded images).
    pub result_id: u64,
}

/// One line of the comparison table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparisonRow {
    /// What the line is about.
    pub name: String,
    /// The pinned run's value.
    pub pinned: String,
    /// The current run's value.
    pub current: String,
    /// Current minus pinned for numbers; "same" or "differs" for words.
    pub difference: String,
}

/// The suffix of the shipped adversarially trained twins.
const ROBUST_SUFFIX: &str = "-robust";

/// The other half of a shipped standard/robust pair: `chest-xray-cnn` ↔
/// `chest-xray-cnn-robust`, if both are shipped.
#[must_use]
pub fn robust_twin<'a>(model: &str, shipped: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let twin = model
        .strip_suffix(ROBUST_SUFFIX)
        .map_or_else(|| format!("{model}{ROBUST_SUFFIX}"), ToString::to_string);
    shipped.into_iter().any(|name| name == twin).then_some(twin)
}

/// The table of both runs: model, attack, defence, whether fooled, the measured class's probability
/// clean, attacked and defended, the perturbation's size and visibility, and the cost.
#[must_use]
pub fn comparison_rows(pinned: &CompareSide, current: &CompareSide) -> Vec<ComparisonRow> {
    let (before, after) = (&*pinned.result, &*current.result);
    let mut rows = vec![
        words("Model", &pinned.model, &current.model),
        words(
            "Attack",
            &before.attack.short_label(),
            &after.attack.short_label(),
        ),
        words("Defence", &defence_of(before), &defence_of(after)),
        words(
            "Fooled",
            yes_no(before.outcome().fooled()),
            yes_no(after.outcome().fooled()),
        ),
    ];
    let measured = |side: &CompareSide| {
        side.classes
            .get(side.result.label)
            .cloned()
            .unwrap_or_default()
    };
    // The class the probabilities are of, named in the row when both runs measure the same
    // one, else beside each value.
    let same_class = measured(pinned) == measured(current);
    let probability_row = |stage: &str, of: fn(&AttackResult) -> Option<&Prediction>| {
        let value = |side: &CompareSide| {
            of(&side.result).and_then(|p| p.probs.get(side.result.label).copied())
        };
        let (was, now) = (value(pinned), value(current));
        let shown = |side: &CompareSide, probability: Option<f32>| match probability {
            None => "—".to_string(),
            Some(p) if same_class => format!("{p:.4}"),
            Some(p) => format!("{p:.4} ({})", measured(side)),
        };
        ComparisonRow {
            name: if same_class {
                format!("p({}), {stage}", measured(pinned))
            } else {
                format!("p(measured), {stage}")
            },
            pinned: shown(pinned, was),
            current: shown(current, now),
            difference: match (was, now) {
                (Some(was), Some(now)) if same_class => format!("{:+.4}", now - was),
                _ => "—".to_string(),
            },
        }
    };
    rows.push(probability_row("clean", |r| Some(&r.clean)));
    rows.push(probability_row("attacked", |r| {
        Some(&r.adversarial_prediction)
    }));
    if before.defended.is_some() || after.defended.is_some() {
        rows.push(probability_row("defended", |r| {
            r.defended.as_ref().map(|d| &d.adversarial)
        }));
    }
    rows.push(words(
        "Attacked prediction",
        &before.adversarial_prediction.class_name,
        &after.adversarial_prediction.class_name,
    ));
    let (m, n) = (&before.metrics, &after.metrics);
    rows.push(number("L∞ (/255)", m.linf * 255.0, n.linf * 255.0, 2));
    rows.push(number("L2", m.l2, n.l2, 4));
    rows.push(number(
        "Changed px (%)",
        100.0 * m.l0_fraction,
        100.0 * n.l0_fraction,
        1,
    ));
    rows.push(number("SSIM", m.ssim, n.ssim, 4));
    rows.push(ComparisonRow {
        name: "PSNR (dB)".to_string(),
        pinned: psnr(m.psnr_db),
        current: psnr(n.psnr_db),
        difference: match (m.psnr_db, n.psnr_db) {
            (Some(was), Some(now)) => format!("{:+.1}", now - was),
            _ => "—".to_string(),
        },
    });
    rows.push(number(
        "Gradients",
        before.gradient_evaluations as f64,
        after.gradient_evaluations as f64,
        0,
    ));
    rows.push(number("Time (ms)", before.elapsed_ms, after.elapsed_ms, 0));
    rows
}

fn yes_no(fooled: bool) -> &'static str {
    if fooled { "yes" } else { "no" }
}

fn defence_of(result: &AttackResult) -> String {
    result.defended.as_ref().map_or_else(
        || "none".to_string(),
        |d| {
            let knows = if d.adaptive { "adaptive" } else { "unaware" };
            format!("{}, {knows}", d.defense.describe())
        },
    )
}

fn psnr(value: Option<f64>) -> String {
    value.map_or_else(|| "∞".to_string(), |p| format!("{p:.1}"))
}

fn words(name: &str, pinned: &str, current: &str) -> ComparisonRow {
    ComparisonRow {
        name: name.to_string(),
        pinned: pinned.to_string(),
        current: current.to_string(),
        difference: if pinned == current { "same" } else { "differs" }.to_string(),
    }
}

fn number(name: &str, pinned: f64, current: f64, decimals: usize) -> ComparisonRow {
    ComparisonRow {
        name: name.to_string(),
        pinned: format!("{pinned:.decimals$}"),
        current: format!("{current:.decimals$}"),
        difference: format!("{:+.decimals$}", current - pinned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twins_are_found_both_ways_and_only_when_shipped() {
        let models = [
            "chest-xray-cnn",
            "chest-xray-cnn-robust",
            "brain-mri-resnet18",
        ];
        assert_eq!(
            robust_twin("chest-xray-cnn", models).as_deref(),
            Some("chest-xray-cnn-robust")
        );
        assert_eq!(
            robust_twin("chest-xray-cnn-robust", models).as_deref(),
            Some("chest-xray-cnn")
        );
        assert_eq!(robust_twin("brain-mri-resnet18", models), None);
    }

    #[test]
    fn numbers_show_current_minus_pinned() {
        let row = number("L2", 0.25, 0.75, 4);
        assert_eq!(row.pinned, "0.2500");
        assert_eq!(row.current, "0.7500");
        assert_eq!(row.difference, "+0.5000");
        assert_eq!(words("Model", "a", "a").difference, "same");
        assert_eq!(words("Model", "a", "b").difference, "differs");
    }
}
