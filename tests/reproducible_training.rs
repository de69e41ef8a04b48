//! A model is reproducible from its card: a small training run through the CLI records its
//! command, commit and data-set SHA-256 on the card, and running the card's command again
//! (only `--out` changed) gives bit-identical weights and the same card figures. Needs
//! `../shared/datasets` (skipped with a message without it). The small run uses every
//! option that draws random numbers (augmentation, mixup and CutMix, weight averaging), and
//! distillation from a shipped teacher.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use advlens::datasets::{sha256_file, shared_datasets_dir};
use advlens::models::ModelCard;

fn run_train(arguments: &[String]) {
    let output = Command::new(env!("CARGO_BIN_EXE_advlens"))
        .args(arguments)
        .output()
        .expect("advlens runs");
    assert!(
        output.status.success(),
        "advlens {arguments:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Every tensor of a safetensors file, by name, as raw bytes with dtype and shape (the
/// header's metadata map has no fixed order, so whole files are not compared).
fn tensors(path: &Path) -> BTreeMap<String, (String, Vec<u64>, Vec<u8>)> {
    let bytes = std::fs::read(path).expect("weights");
    let header_len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes[8..8 + header_len]).expect("header");
    let data = &bytes[8 + header_len..];
    header
        .into_iter()
        .filter(|(name, _)| name != "__metadata__")
        .map(|(name, entry)| {
            let offsets: Vec<usize> = entry["data_offsets"]
                .as_array()
                .expect("offsets")
                .iter()
                .map(|v| v.as_u64().expect("offset") as usize)
                .collect();
            let shape = entry["shape"]
                .as_array()
                .expect("shape")
                .iter()
                .map(|v| v.as_u64().expect("dim"))
                .collect();
            let dtype = entry["dtype"].as_str().expect("dtype").to_string();
            (name, (dtype, shape, data[offsets[0]..offsets[1]].to_vec()))
        })
        .collect()
}

/// The card's command as arguments, with the program name dropped and `--out` replaced.
fn card_arguments(command: &str, out: &Path) -> Vec<String> {
    let mut words: Vec<String> = command.split_whitespace().map(str::to_string).collect();
    assert_eq!(words.first().map(String::as_str), Some("advlens"));
    words.remove(0);
    let at = words
        .iter()
        .position(|w| w == "--out")
        .expect("the command names its output folder");
    words[at + 1] = out.display().to_string();
    words
}

#[test]
fn a_cards_command_retrains_the_same_model_bit_for_bit() {
    let Some(root) = shared_datasets_dir() else {
        eprintln!(
            "skipped: ../shared/datasets is not here (set ADVLENS_DATASETS to run this check)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (first, second) = (dir.path().join("first"), dir.path().join("second"));
    let arguments: Vec<String> = [
        "train",
        "--task",
        "chest-xray",
        "--name",
        "tiny",
        "--limit-train",
        "96",
        "--batch-size",
        "32",
        "--epochs",
        "2",
        "--input-norm",
        "per-image",
        "--stretch",
        "0.2",
        "--blur",
        "1",
        "--label-smoothing",
        "0.1",
        "--swa",
        "2",
        "--mixup",
        "0.2",
        "--cutmix",
        "1",
        "--teacher",
        "assets/models/chest-xray-cnn.safetensors",
        "--distill-weight",
        "0.5",
        "--device",
        "cpu",
        "--datasets",
    ]
    .iter()
    .map(ToString::to_string)
    .chain([
        root.display().to_string(),
        "--out".to_string(),
        first.display().to_string(),
    ])
    .collect();
    run_train(&arguments);
    let card = ModelCard::load(&first.join("tiny.json")).expect("first card");
    let command = card.command.clone().expect("the card records its command");
    assert_eq!(
        card.commit.as_deref(),
        Some(advlens::about::COMMIT),
        "the card records the commit"
    );
    let dataset_file = root.join(&card.dataset.file);
    assert_eq!(
        card.dataset.sha256,
        sha256_file(&dataset_file).expect("data set hash"),
        "the card records the data set's SHA-256"
    );
    assert!(card.weight_averaging.is_some());
    let loss = card.loss.clone().expect("the card names its loss");
    assert!(
        loss.contains("mixup α = 0.2") && loss.contains("CutMix α = 1"),
        "{loss}"
    );
    let teacher_sha =
        sha256_file(Path::new("assets/models/chest-xray-cnn.safetensors")).expect("teacher hash");
    assert!(
        loss.contains("distilled from chest-xray-cnn")
            && loss.contains(&format!("SHA-256 {teacher_sha}"))
            && loss.contains("T = 4"),
        "the card names the teacher, its weights' hash and the temperature: {loss}"
    );

    run_train(&card_arguments(&command, &second));
    let again = ModelCard::load(&second.join("tiny.json")).expect("second card");
    assert_eq!(
        tensors(&first.join("tiny.safetensors")),
        tensors(&second.join("tiny.safetensors")),
        "the card's command reproduces the weights bit for bit"
    );
    assert_eq!(again.val_accuracy.to_bits(), card.val_accuracy.to_bits());
    assert_eq!(again.test_accuracy.to_bits(), card.test_accuracy.to_bits());
    assert_eq!(again.confusion_matrix, card.confusion_matrix);
    assert_eq!(
        again.sample_check.predictions,
        card.sample_check.predictions
    );
    assert_eq!(again.weight_averaging, card.weight_averaging);
}

#[test]
fn every_shipped_card_names_the_command_commit_and_data_set_that_made_it() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models");
    let mut checked = 0;
    for entry in std::fs::read_dir(&models).expect("assets/models") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let card = ModelCard::load(&path).expect("card");
        let command = card
            .command
            .unwrap_or_else(|| panic!("{} has no command", card.name));
        assert!(
            command.starts_with("advlens train ") && command.contains(&card.name),
            "{}: {command}",
            card.name
        );
        let commit = card
            .commit
            .unwrap_or_else(|| panic!("{} has no commit", card.name));
        assert!(
            commit.len() >= 7 && commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{}: {commit}",
            card.name
        );
        assert_eq!(card.dataset.sha256.len(), 64, "{}", card.name);
        checked += 1;
    }
    assert!(checked >= 4, "{checked} cards");
}

#[test]
fn every_shipped_cards_page_is_rendered_from_its_card() {
    // `UPDATE_CARD_PAGES=1 cargo test --release --test reproducible_training` rewrites them.
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/models");
    let update = std::env::var_os("UPDATE_CARD_PAGES").is_some();
    for entry in std::fs::read_dir(&models).expect("assets/models") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let card = ModelCard::load(&path).expect("card");
        let page = advlens::eval::card_markdown(&card);
        let page_path = path.with_extension("md");
        if update {
            std::fs::write(&page_path, &page).expect("write page");
        }
        assert_eq!(
            std::fs::read_to_string(&page_path).expect("page"),
            page,
            "{} is stale: rerun with UPDATE_CARD_PAGES=1",
            page_path.display()
        );
    }
}
