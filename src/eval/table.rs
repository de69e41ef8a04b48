//! The robustness table and its CSV and Markdown forms.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::attacks::format_epsilon;

/// Accuracy under one attack at every ε of the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustnessRow {
    /// The attack, in words (`FGSM`, `PGD-20`).
    pub attack: String,
    /// Accuracy at each ε, in the table's order.
    pub accuracy: Vec<f32>,
}

/// Accuracy per attack per ε for one model and defence setting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RobustnessTable {
    /// The model.
    pub model: String,
    /// The images, in words.
    pub source: String,
    /// How many images.
    pub images: usize,
    /// The defence, in words (`None` for the bare model).
    pub defense: Option<String>,
    /// Whether the attacks went through the defence.
    pub adaptive: bool,
    /// What the gradient attacks differentiated, in words (exact, BPDA, EOT over N draws);
    /// absent in tables written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gradient: Option<String>,
    /// The ε values (L∞, [0, 1] scale).
    pub epsilons: Vec<f64>,
    /// One row per attack.
    pub rows: Vec<RobustnessRow>,
    /// Wall time of the evaluation.
    pub seconds: f64,
    /// The device, in words.
    pub device: String,
}

impl RobustnessTable {
    /// The setting in words: "no defence", "JPEG quality 75 (adaptive attack)", ….
    #[must_use]
    pub fn setting(&self) -> String {
        match &self.defense {
            None => "no defence".to_string(),
            Some(defense) if self.adaptive => match &self.gradient {
                Some(gradient) => format!("{defense}, adaptive attack: {gradient}"),
                None => format!("{defense}, adaptive attack"),
            },
            Some(defense) => format!("{defense}, attack unaware of it"),
        }
    }

    /// A Markdown table with a heading line: rows are attacks, columns ε, cells accuracy %.
    #[must_use]
    pub fn to_markdown(&self) -> String {
        let mut text = format!(
            "### {} — {}\n\nAccuracy (%) on {} images of {}, measured on {} in {:.0} s.\n\n| attack |",
            self.model,
            self.setting(),
            self.images,
            self.source,
            self.device,
            self.seconds
        );
        for epsilon in &self.epsilons {
            let _ = write!(text, " ε = {} |", format_epsilon(*epsilon));
        }
        let _ = write!(text, "\n|---|{}\n", "---:|".repeat(self.epsilons.len()));
        for row in &self.rows {
            let _ = write!(text, "| {} |", row.attack);
            for accuracy in &row.accuracy {
                let _ = write!(text, " {:.1} |", 100.0 * accuracy);
            }
            text.push('\n');
        }
        text
    }

    /// CSV with one line per (attack, ε): model, defence, adaptive, attack, epsilon,
    /// `epsilon_255`, accuracy, images.
    #[must_use]
    pub fn to_csv(&self) -> String {
        let mut text =
            String::from("model,defense,adaptive,attack,epsilon,epsilon_255,accuracy,images\n");
        let defense = self.defense.clone().unwrap_or_else(|| "none".to_string());
        for row in &self.rows {
            for (epsilon, accuracy) in self.epsilons.iter().zip(&row.accuracy) {
                let _ = writeln!(
                    text,
                    "{},\"{}\",{},{},{:.6},{:.2},{:.4},{}",
                    self.model,
                    defense.replace('"', "'"),
                    self.adaptive,
                    row.attack,
                    epsilon,
                    epsilon * 255.0,
                    accuracy,
                    self.images
                );
            }
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_and_csv_hold_every_cell() {
        let table = RobustnessTable {
            model: "m".into(),
            source: "test split".into(),
            images: 10,
            defense: None,
            adaptive: false,
            gradient: None,
            epsilons: vec![0.0, 2.0 / 255.0],
            rows: vec![
                RobustnessRow {
                    attack: "FGSM".into(),
                    accuracy: vec![0.9, 0.5],
                },
                RobustnessRow {
                    attack: "PGD-20".into(),
                    accuracy: vec![0.9, 0.25],
                },
            ],
            seconds: 1.0,
            device: "CPU".into(),
        };
        let markdown = table.to_markdown();
        assert!(markdown.contains("| FGSM | 90.0 | 50.0 |"), "{markdown}");
        assert!(markdown.contains("| PGD-20 | 90.0 | 25.0 |"), "{markdown}");
        assert!(markdown.contains("ε = 2/255"), "{markdown}");
        let csv = table.to_csv();
        assert_eq!(csv.lines().count(), 5);
        assert!(
            csv.contains("m,\"none\",false,PGD-20,0.007843,2.00,0.2500,10"),
            "{csv}"
        );
    }
}
