//! The robustness table's Markdown and CSV forms (the record itself is
//! `models::RobustnessTable`, at the level of the card that stores it).

use std::fmt::Write as _;

use crate::attacks::{Norm, format_epsilon, format_radius_short};
use crate::models::{NeededNorm, RobustnessTable};

/// Appends formatted text to a page.
pub(super) fn push(text: &mut String, args: std::fmt::Arguments<'_>) {
    // Writing into a `String` cannot fail (`fmt::Write for String` never returns an error).
    text.write_fmt(args).ok();
}

/// A Markdown table with a heading line: rows are attacks, columns ε, cells accuracy %.
#[must_use]
pub fn table_markdown(table: &RobustnessTable) -> String {
    let mut text = format!(
        "### {} — {}\n\nAccuracy (%) on {} images of {}, measured on {} in {:.0} s.\n\n| attack |",
        table.model,
        table.setting(),
        table.images,
        table.source,
        table.device,
        table.seconds
    );
    for epsilon in &table.epsilons {
        push(
            &mut text,
            format_args!(" ε = {} |", format_epsilon(*epsilon)),
        );
    }
    push(
        &mut text,
        format_args!("\n|---|{}\n", "---:|".repeat(table.epsilons.len())),
    );
    for row in &table.rows {
        push(&mut text, format_args!("| {} |", row.attack));
        for accuracy in &row.accuracy {
            push(&mut text, format_args!(" {:.1} |", 100.0 * accuracy));
        }
        text.push('\n');
    }
    let needed: Vec<String> = table
        .rows
        .iter()
        .filter_map(|row| row.needed.as_ref().map(|n| needed_line(&row.attack, n)))
        .collect();
    if !needed.is_empty() {
        push(
            &mut text,
            format_args!(
                "\nMinimal and sparse attacks have no ε: a scan counts as fooled at ε when the perturbation a minimal attack needed fits within ε (L∞); a sparse attack's accuracy is the same in every column.\n\n{}\n",
                needed.join("\n")
            ),
        );
    }
    text
}

/// One line on a minimal attack's needed sizes: "- DeepFool: median ‖δ‖∞ = 3.00/255 over the
/// 8 of 9 scans it flipped".
fn needed_line(attack: &str, needed: &NeededNorm) -> String {
    if needed.norm == "l0" {
        return match needed.median {
            Some(median) => format!(
                "- {attack}: changed a median of {median:.0} pixels on the {} of {} scans it flipped (an L0 attack: its accuracy is the same in every ε column)",
                needed.flipped, needed.attacked
            ),
            None => format!(
                "- {attack}: flipped none of the {} scans it attacked",
                needed.attacked
            ),
        };
    }
    let norm = if needed.norm == "l2" {
        Norm::L2
    } else {
        Norm::Linf
    };
    let symbol = if norm == Norm::L2 { "₂" } else { "∞" };
    match needed.median {
        Some(median) => format!(
            "- {attack}: median ‖δ‖{symbol} = {} over the {} of {} scans it flipped",
            format_radius_short(median, norm),
            needed.flipped,
            needed.attacked
        ),
        None => format!(
            "- {attack}: flipped none of the {} scans it attacked",
            needed.attacked
        ),
    }
}

/// CSV with one line per (attack, ε): model, defence, adaptive, attack, epsilon,
/// `epsilon_255`, accuracy, images.
#[must_use]
pub fn table_csv(table: &RobustnessTable) -> String {
    let mut text =
        String::from("model,defense,adaptive,attack,epsilon,epsilon_255,accuracy,images\n");
    let defense = table.defense.clone().unwrap_or_else(|| "none".to_string());
    for row in &table.rows {
        for (epsilon, accuracy) in table.epsilons.iter().zip(&row.accuracy) {
            push(
                &mut text,
                format_args!(
                    "{},\"{}\",{},{},{:.6},{:.2},{:.4},{}\n",
                    table.model,
                    defense.replace('"', "'"),
                    table.adaptive,
                    row.attack,
                    epsilon,
                    epsilon * 255.0,
                    accuracy,
                    table.images
                ),
            );
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{NeededNorm, RobustnessRow};

    #[test]
    fn markdown_and_csv_hold_every_cell() {
        let table = RobustnessTable {
            model: "m".into(),
            source: "test split".into(),
            images: 10,
            defense: None,
            adaptive: false,
            gradient: None,
            region: None,
            epsilons: vec![0.0, 2.0 / 255.0],
            rows: vec![
                RobustnessRow {
                    attack: "FGSM".into(),
                    accuracy: vec![0.9, 0.5],
                    needed: None,
                },
                RobustnessRow {
                    attack: "PGD-20".into(),
                    accuracy: vec![0.9, 0.25],
                    needed: None,
                },
                RobustnessRow {
                    attack: "DeepFool".into(),
                    accuracy: vec![0.9, 0.75],
                    needed: Some(NeededNorm {
                        norm: "linf".into(),
                        median: Some(3.0 / 255.0),
                        flipped: 8,
                        attacked: 9,
                    }),
                },
            ],
            seconds: 1.0,
            device: "CPU".into(),
        };
        let markdown = table_markdown(&table);
        assert!(markdown.contains("| FGSM | 90.0 | 50.0 |"), "{markdown}");
        assert!(markdown.contains("| PGD-20 | 90.0 | 25.0 |"), "{markdown}");
        assert!(markdown.contains("ε = 2/255"), "{markdown}");
        assert!(
            markdown.contains("DeepFool: median ‖δ‖∞ = 3.00/255 over the 8 of 9 scans it flipped"),
            "{markdown}"
        );
        let csv = table_csv(&table);
        assert_eq!(csv.lines().count(), 7);
        assert!(
            csv.contains("m,\"none\",false,PGD-20,0.007843,2.00,0.2500,10"),
            "{csv}"
        );
    }
}
