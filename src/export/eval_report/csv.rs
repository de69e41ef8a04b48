//! The per-scan CSV: one line per evaluated scan with its true class, the clean prediction and,
//! per attack, the flipping ε, the fall in the true class's probability and the prediction at
//! every ε.

use std::fmt::Write as _;

use crate::eval::{Fragility, Judgement, ScanEvaluation};

fn class_name(evaluation: &ScanEvaluation, judgement: &Judgement) -> String {
    judgement
        .predicted
        .and_then(|c| evaluation.classes.get(c))
        .cloned()
        .unwrap_or_else(|| "abstained".to_string())
}

/// Quotes a CSV field.
fn field(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The CSV of every scan evaluated (scans are numbered from 1 in set order; no file names).
#[must_use]
pub fn scan_csv(evaluation: &ScanEvaluation) -> String {
    let mut text = String::from("model,scan,true_class,clean_prediction,clean_p_true");
    for column in &evaluation.attacks {
        for suffix in ["flip_epsilon", "flip_epsilon_255", "confidence_drop"] {
            let _ = write!(text, ",{}", field(&format!("{} {suffix}", column.name)));
        }
        for epsilon in &evaluation.epsilons {
            let heading = format!("{} prediction at {:.2}/255", column.name, epsilon * 255.0);
            let _ = write!(text, ",{}", field(&heading));
        }
    }
    text.push('\n');
    for record in &evaluation.records {
        let _ = write!(
            text,
            "{},{},{},{},{:.4}",
            field(&evaluation.model),
            record.index + 1,
            field(&evaluation.classes[record.label]),
            field(&class_name(evaluation, &record.clean)),
            record.clean.probability_of(record.label)
        );
        for (attack, scan) in record.attacks.iter().enumerate() {
            let (flip, flip_255) = match evaluation.fragility(record, attack) {
                Fragility::FlipsAt(e) => (format!("{e:.6}"), format!("{:.2}", e * 255.0)),
                Fragility::AlreadyWrong => ("wrong_before".into(), "wrong_before".into()),
                Fragility::Holds => ("held".into(), "held".into()),
            };
            let _ = write!(
                text,
                ",{flip},{flip_255},{:.4}",
                evaluation.confidence_drop(record, attack)
            );
            for judgement in &scan.per_epsilon {
                let _ = write!(text, ",{}", field(&class_name(evaluation, judgement)));
            }
        }
        text.push('\n');
    }
    text
}
