//! A model card as files: the JSON record and its Markdown page for people, which includes
//! the robustness tables (so it lives here, above both the card and the tables).

use std::path::Path;

use super::table::{push, table_markdown};
use crate::models::{InputNorm, ModelCard, ModelError};

/// Writes the JSON card and its Markdown twin (`.md` beside it).
///
/// # Errors
/// [`ModelError::File`].
pub fn save_card(card: &ModelCard, json_path: &Path) -> Result<(), ModelError> {
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|err| ModelError::File {
            action: "writing the model card",
            reason: err.to_string(),
            path: path.display().to_string(),
        })
    };
    let json = serde_json::to_string_pretty(card).map_err(|err| ModelError::InvalidCard {
        reason: err.to_string(),
        path: json_path.display().to_string(),
    })?;
    write(json_path, json + "\n")?;
    write(&json_path.with_extension("md"), card_markdown(card))
}

/// The card as a short Markdown page.
#[must_use]
pub fn card_markdown(card: &ModelCard) -> String {
    let mut text = format!("# Model card: {}\n\n", card.name);
    how_it_was_made(&mut text, card);
    how_well_it_does(&mut text, card);
    text
}

/// The task, architecture, data and training, as a list.
fn how_it_was_made(text: &mut String, card: &ModelCard) {
    push(
        text,
        format_args!(
            "- Task: {} (classes: {})\n",
            card.spec.task,
            card.classes.join(", ")
        ),
    );
    push(
        text,
        format_args!(
            "- Architecture: {} at {}×{}, one channel, input normalised inside the model: {}\n",
            card.spec.arch,
            card.spec.input_size,
            card.spec.input_size,
            match card.spec.input_norm {
                InputNorm::Dataset => format!(
                    "data-set statistics (mean {}, std {})",
                    card.spec.input_mean, card.spec.input_std
                ),
                InputNorm::PerImage =>
                    "per-image standardisation (zero mean, unit variance)".to_string(),
            }
        ),
    );
    push(
        text,
        format_args!(
            "- Data: `{}` (sha256 `{}`), train/val/test = {}/{}/{}\n",
            card.dataset.file,
            card.dataset.sha256,
            card.dataset.split_sizes[0],
            card.dataset.split_sizes[1],
            card.dataset.split_sizes[2]
        ),
    );
    push(
        text,
        format_args!(
            "- Training: seed {}, {} epochs (best on validation: epoch {}), batch {}, learning rate {}, augmentation: {}\n",
            card.seed,
            card.epochs,
            card.best_epoch,
            card.batch_size,
            card.learning_rate,
            card.augmentation
        ),
    );
    if let Some(adversarial) = &card.adversarial_training {
        push(
            text,
            format_args!("- Adversarial training: {adversarial}\n"),
        );
    }
    if let Some(loss) = &card.loss {
        push(text, format_args!("- Loss: {loss}\n"));
    }
    if let Some(averaging) = &card.weight_averaging {
        push(text, format_args!("- Weight averaging: {averaging}\n"));
    }
    let commit = card
        .commit
        .as_ref()
        .map_or_else(String::new, |c| format!(" (commit `{c}`)"));
    push(
        text,
        format_args!(
            "- Trained in {:.0} s on {} with advlens {}{commit}\n",
            card.train_seconds, card.train_device, card.trained_with
        ),
    );
    if let Some(command) = &card.command {
        push(
            text,
            format_args!(
                "- Data set SHA-256 `{}`\n\nReproduce it with\n\n```sh\n{command}\n```\n\n",
                card.dataset.sha256
            ),
        );
    } else {
        text.push('\n');
    }
}

/// Accuracy, recall, the confusion matrix, the detector and the robustness tables.
fn how_well_it_does(text: &mut String, card: &ModelCard) {
    push(
        text,
        format_args!(
            "| split | accuracy |\n|---|---|\n| validation | {:.1}% |\n| **test** | **{:.1}%** |\n\n",
            100.0 * card.val_accuracy,
            100.0 * card.test_accuracy
        ),
    );
    push(
        text,
        format_args!(
            "Test recall per class: {}\n\n",
            card.classes
                .iter()
                .zip(&card.per_class_recall)
                .map(|(c, r)| format!("{c} {:.1}%", 100.0 * r))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    text.push_str("Test confusion matrix (rows: true class, columns: predicted):\n\n");
    push(text, format_args!("| | {} |\n", card.classes.join(" | ")));
    push(
        text,
        format_args!("|---|{}\n", "---|".repeat(card.classes.len())),
    );
    for (class, row) in card.classes.iter().zip(&card.confusion_matrix) {
        let cells: Vec<String> = row.iter().map(ToString::to_string).collect();
        push(text, format_args!("| {class} | {} |\n", cells.join(" | ")));
    }
    if let Some(detector) = &card.feature_squeezing {
        push(
            text,
            format_args!(
                "\n## Feature-squeezing detector\n\nSqueezers: {}. Threshold {:.4} on the L1 score, calibrated on {} clean validation images for {:.0}% false positives; measured on {} clean test images: {:.1}% false positives.\n",
                detector.squeezers.join(", "),
                detector.threshold,
                detector.calibration_images,
                100.0 * detector.target_fpr,
                detector.test_images,
                100.0 * detector.test_fpr
            ),
        );
    }
    for table in &card.robustness {
        push(text, format_args!("\n{}\n", table_markdown(table)));
    }
}

#[cfg(test)]
mod tests {
    use super::card_markdown;
    use crate::models::ModelCard;

    #[test]
    fn every_shipped_page_is_its_card_rendered() {
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models");
        let mut pages = 0;
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let card = ModelCard::load(&path).unwrap();
                let page = std::fs::read_to_string(path.with_extension("md")).unwrap();
                assert_eq!(card_markdown(&card), page, "{}", path.display());
                pages += 1;
            }
        }
        assert!(pages >= 4);
    }
}
