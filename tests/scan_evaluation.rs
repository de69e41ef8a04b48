//! The per-scan evaluation behind the data-set view and `advlens eval --report`: its table is
//! the one `advlens eval` prints, its confusion matrices count every scan once, a scan's
//! flipping ε is one it is fooled at (with every larger grid ε), a cancelled run keeps a
//! consistent partial table, and the report is one self-contained page without folder paths.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use advlens::attacks::{
    AttackConfig, AttackControl, AttackKind, predicted_class, probabilities, run_attack,
};
use advlens::device::ComputeDevice;
use advlens::eval::{
    EvalHooks, EvalPlan, Fragility, ScanEvaluation, evaluate_scans, images_from_folder,
};
use advlens::export::{EvalReportInput, write_eval_report};
use advlens::models::{LoadedModel, load_shipped};
use burn::tensor::{Tensor, TensorData};

fn plan(attacks: &[AttackKind], batch_size: usize) -> EvalPlan {
    EvalPlan {
        attacks: attacks
            .iter()
            .map(|&kind| AttackConfig::new(kind, 0.0).with_steps(5).with_seed(3))
            .collect(),
        epsilons: vec![0.0, 0.5 / 255.0, 1.0 / 255.0, 2.0 / 255.0, 4.0 / 255.0],
        defense: None,
        adaptive: false,
        batch_size,
    }
}

fn evaluate(model: &LoadedModel, folder: &std::path::Path, plan: &EvalPlan) -> ScanEvaluation {
    let images = images_from_folder(folder, &model.card.classes, 128, None).unwrap();
    evaluate_scans(
        model,
        &images,
        plan,
        &ComputeDevice::cpu(),
        &mut EvalHooks {
            should_stop: None,
            on_batch: &mut |_| {},
        },
    )
    .unwrap()
}

/// The accuracy cells of `advlens eval`'s CSV: (attack, ε in /255) → accuracy.
fn cli_cells(folder: &std::path::Path, out: &std::path::Path) -> Vec<(String, String, f32)> {
    common::run_ok(
        common::advlens()
            .args(["eval", "--model", "chest-xray-cnn", "--data"])
            .arg(folder)
            .args([
                "--attacks",
                "fgsm,pgd,deepfool",
                "--steps",
                "5",
                "--seed",
                "3",
                "--batch-size",
                "4",
                "--eps",
                "0,0.5/255,1/255,2/255,4/255",
                "--device",
                "cpu",
                "--out",
            ])
            .arg(out),
    );
    let csv = std::fs::read_to_string(out.join("chest-xray-cnn.csv")).unwrap();
    csv.lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (
                fields[3].to_string(),
                fields[5].to_string(),
                fields[6].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_per_scan_records_give_eval_s_table_and_consistent_statistics() {
    let model = load_shipped("chest-xray-cnn", &burn::tensor::Device::flex()).unwrap();
    let folder = common::chest_class_folder();
    let evaluation = evaluate(
        &model,
        folder.path(),
        &plan(
            &[AttackKind::Fgsm, AttackKind::Pgd, AttackKind::DeepFool],
            4,
        ),
    );
    assert!(evaluation.finished);
    assert_eq!(evaluation.done(), 6);
    // The same numbers as `advlens eval` on the same scans and seed.
    let out = tempfile::tempdir().unwrap();
    let table = evaluation.table();
    for (attack, epsilon_255, accuracy) in cli_cells(folder.path(), out.path()) {
        let row = table.rows.iter().find(|r| r.attack == attack).unwrap();
        let column = table
            .epsilons
            .iter()
            .position(|e| format!("{:.2}", e * 255.0) == epsilon_255)
            .unwrap();
        assert!(
            (row.accuracy[column] - accuracy).abs() < 1e-4,
            "{attack} at {epsilon_255}/255: view {} vs eval {accuracy}",
            row.accuracy[column]
        );
    }
    for attack in 0..evaluation.attacks.len() {
        // Every confusion matrix counts each scan once.
        assert_eq!(evaluation.clean_confusion().total(), 6);
        for epsilon in 0..evaluation.epsilons.len() {
            let matrix = evaluation.attacked_confusion(attack, epsilon);
            assert_eq!(matrix.total(), 6);
            let right: usize = (0..2).map(|c| matrix.counts[c][c]).sum();
            assert!((right as f32 / 6.0 - evaluation.accuracy(attack, epsilon)).abs() < 1e-6);
        }
        let histogram = evaluation.flip_histogram(attack);
        let counted: usize = histogram.counts.iter().flatten().sum::<usize>()
            + histogram.held.iter().sum::<usize>()
            + histogram.already_wrong.iter().sum::<usize>();
        assert_eq!(counted, 6);
    }
    // The gallery's order: flipping ε never decreases.
    let fragile = evaluation.most_fragile(1);
    assert!(fragile.windows(2).all(|pair| pair[0].1 <= pair[1].1));
}

#[test]
fn a_scan_is_fooled_at_its_flipping_epsilon_and_every_larger_one() {
    let device = burn::tensor::Device::flex();
    let model = load_shipped("chest-xray-cnn", &device).unwrap();
    let folder = common::chest_class_folder();
    let evaluation = evaluate(
        &model,
        folder.path(),
        &plan(&[AttackKind::Fgsm, AttackKind::DeepFool], 3),
    );
    let mut flipped = 0;
    for record in &evaluation.records {
        // FGSM: re-run the deterministic attack on the scan alone at every grid ε from its
        // flipping ε up; the model must be wrong at each.
        if let Fragility::FlipsAt(flip) = evaluation.fragility(record, 0) {
            flipped += 1;
            let pixels: Vec<f32> = evaluation.originals[record.index]
                .iter()
                .map(|&v| f32::from(v) / 65535.0)
                .collect();
            let image = Tensor::<4>::from_data(TensorData::new(pixels, [1, 1, 128, 128]), &device);
            for &epsilon in evaluation.epsilons.iter().filter(|e| **e >= flip) {
                let outcome = run_attack(
                    &model.models,
                    &image,
                    &[record.label],
                    false,
                    &AttackConfig::new(AttackKind::Fgsm, epsilon),
                    &AttackControl::default(),
                )
                .unwrap();
                let predicted = predicted_class(
                    &probabilities(&model.models, &outcome.adversarial).unwrap()[0],
                );
                assert_ne!(
                    predicted, record.label,
                    "scan {} at ε {epsilon}",
                    record.index
                );
            }
            let evidence = record.attacks[0].at_flip.as_ref().unwrap();
            assert_ne!(evidence.judgement.predicted, Some(record.label));
        }
        // DeepFool: the flipping ε is the L∞ size of the perturbation it needed.
        if let Fragility::FlipsAt(flip) = evaluation.fragility(record, 1) {
            let needed = record.attacks[1].needed.unwrap();
            assert!(needed.fooled);
            assert_eq!(flip, needed.linf);
        }
    }
    assert!(flipped > 0, "FGSM flips some bundled X-ray within 4/255");
}

#[test]
fn a_cancelled_evaluation_keeps_a_consistent_partial_table() {
    let model = load_shipped("chest-xray-cnn", &burn::tensor::Device::flex()).unwrap();
    let folder = common::chest_class_folder();
    let images = images_from_folder(folder.path(), &model.card.classes, 128, None).unwrap();
    let batches = AtomicUsize::new(0);
    let stop = || batches.load(Ordering::SeqCst) >= 1;
    let evaluation = evaluate_scans(
        &model,
        &images,
        &plan(&[AttackKind::Fgsm, AttackKind::Pgd], 2),
        &ComputeDevice::cpu(),
        &mut EvalHooks {
            should_stop: Some(&stop),
            on_batch: &mut |_| {
                batches.fetch_add(1, Ordering::SeqCst);
            },
        },
    )
    .unwrap();
    assert!(!evaluation.finished);
    assert_eq!(evaluation.done(), 2, "the first batch is kept whole");
    assert_eq!(evaluation.originals.len(), 2);
    let table = evaluation.table();
    assert_eq!(table.images, 2);
    assert!(table.rows.iter().all(|row| row.accuracy.len() == 5));
    assert_eq!(evaluation.attacked_confusion(1, 4).total(), 2);
}

#[test]
fn the_report_is_one_self_contained_page_without_folder_paths() {
    let model = load_shipped("chest-xray-cnn", &burn::tensor::Device::flex()).unwrap();
    let robust = load_shipped("chest-xray-cnn-robust", &burn::tensor::Device::flex()).unwrap();
    let folder = common::chest_class_folder();
    let plan = plan(&[AttackKind::Fgsm, AttackKind::Pgd], 6);
    let evaluations = vec![
        evaluate(&model, folder.path(), &plan),
        evaluate(&robust, folder.path(), &plan),
    ];
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("report.html");
    let csv = write_eval_report(
        &path,
        &EvalReportInput {
            evaluations: &evaluations,
            attack: 1,
            epsilon: 4,
        },
    )
    .unwrap();
    let html = std::fs::read_to_string(&path).unwrap();
    for section in [
        "settings",
        "curves",
        "table",
        "confusion",
        "histogram",
        "fragile",
    ] {
        assert!(
            html.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    assert!(html.contains("<td>PGD-5</td>"));
    assert!(html.contains("chest-xray-cnn-robust"));
    // Nothing is loaded from anywhere: every image is a data URL, and there is no script,
    // stylesheet link, frame or remote address.
    for forbidden in [
        "http:", "https:", "<script", "<link", "<iframe", "url(", "file:",
    ] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    let sources: Vec<&str> = html.split("src=\"").skip(1).collect();
    assert!(sources.len() >= 6, "charts and thumbnails inline");
    assert!(
        sources
            .iter()
            .all(|s| s.starts_with("data:image/png;base64,"))
    );
    // No folder path, no file name of a scan.
    let folder_text = folder.path().display().to_string();
    assert!(!html.contains(&folder_text));
    assert!(!html.contains("normal_1.png") && !html.contains("pneumonia_2"));
    assert!(html.contains("a folder of labelled scans"));
    let csv = std::fs::read_to_string(csv).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 12,
        "a header and one line per scan and model"
    );
    assert!(!csv.contains(&folder_text));
    assert_eq!(
        std::fs::read_dir(out.path()).unwrap().count(),
        2,
        "no temporary file left"
    );
}
