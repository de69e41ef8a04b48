//! Privacy: a DICOM whose every patient, study and institution identifier is filled in goes
//! through `advlens attack` (figure, images, `result.json`, `recipe.json`, the explanation
//! atlas and the ε animation), `advlens eval --report` (HTML report, per-scan CSV, tables) and
//! the window (*Export…* and the ε animation, and what it shows in its banner and status); no
//! file written and no line printed or shown contains any of the identifiers.

mod common;

use std::path::Path;

#[path = "common/dicom_builder.rs"]
mod dicom_builder;

#[path = "common/window.rs"]
mod window;

use advlens::app::Command;
use common::{advlens, run_ok, sample};
use dicom_builder::{GreyPixels, grey_dicom};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;

/// The identifiers written into the scan, each distinctive enough to be found if it leaked.
const IDENTIFIERS: [(dicom_core::Tag, VR, &str); 14] = [
    (tags::PATIENT_NAME, VR::PN, "QUIXOTE^DULCINEA"),
    (tags::PATIENT_ID, VR::LO, "PID-7731-XQZ"),
    (tags::PATIENT_BIRTH_DATE, VR::DA, "19610412"),
    (tags::PATIENT_ADDRESS, VR::LO, "12 Windmill Lane, La Mancha"),
    (tags::ISSUER_OF_PATIENT_ID, VR::LO, "ISSUER-55120-QX"),
    (tags::ACCESSION_NUMBER, VR::SH, "ACC-99812-ZZ"),
    (tags::STUDY_ID, VR::SH, "STUDY-4421Q"),
    (tags::STUDY_DATE, VR::DA, "20240229"),
    (tags::STUDY_DESCRIPTION, VR::LO, "CHEST PA FOR QUIXOTE"),
    (
        tags::STUDY_INSTANCE_UID,
        VR::UI,
        "1.2.826.0.1.3680043.8.498.77731",
    ),
    (
        tags::SERIES_INSTANCE_UID,
        VR::UI,
        "1.2.826.0.1.3680043.8.498.88842",
    ),
    (tags::INSTITUTION_NAME, VR::LO, "Hospital de Rocinante"),
    (tags::REFERRING_PHYSICIAN_NAME, VR::PN, "SANCHO^PANZA"),
    (tags::OPERATORS_NAME, VR::PN, "CERVANTES^MIGUEL"),
];

/// A 16-bit DICOM of a bundled chest X-ray with every identifier above.
fn identified_dicom(path: &Path) {
    let grey = image::open(sample("chest_xray_normal_1.png"))
        .unwrap()
        .to_luma16();
    let (width, height) = grey.dimensions();
    let identifiers = IDENTIFIERS
        .iter()
        .map(|&(tag, vr, value)| DataElement::new(tag, vr, PrimitiveValue::from(value)))
        .collect();
    let bytes = grey_dicom(
        GreyPixels {
            width: width as u16,
            height: height as u16,
            bits_stored: 16,
            samples: grey.into_raw(),
        },
        identifiers,
        "1.2.840.10008.1.2.1",
        &[],
    );
    std::fs::write(path, bytes).unwrap();
}

/// Every identifier found in `bytes`, as (identifier, where).
fn leaks(bytes: &[u8], place: &str) -> Vec<String> {
    IDENTIFIERS
        .iter()
        .map(|(_, _, value)| *value)
        .chain(["QUIXOTE", "DULCINEA", "7731-XQZ"])
        .filter(|value| {
            bytes
                .windows(value.len())
                .any(|window| window == value.as_bytes())
        })
        .map(|value| format!("{value:?} in {place}"))
        .collect()
}

/// The identifiers found in every file under `folder`.
fn leaks_in_folder(folder: &Path) -> (Vec<String>, usize) {
    let mut found = Vec::new();
    let mut files = 0;
    for entry in walk(folder) {
        files += 1;
        found.extend(leaks(
            &std::fs::read(&entry).unwrap(),
            &entry.display().to_string(),
        ));
    }
    (found, files)
}

fn walk(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn no_exported_file_and_no_printed_line_carries_a_patient_identifier() {
    let work = tempfile::tempdir().unwrap();
    let scan = work.path().join("scan.dcm");
    identified_dicom(&scan);
    // The identifiers are really in the scan (the check below could not fail otherwise).
    assert_eq!(leaks(&std::fs::read(&scan).unwrap(), "scan").len(), 17);

    let attack_out = work.path().join("attack");
    let attack_animation = attack_out.join("flip.gif");
    std::fs::create_dir_all(&attack_out).unwrap();
    let attack = run_ok(advlens().args([
        "attack",
        "--scan",
        &scan.display().to_string(),
        "--model",
        "chest-xray-cnn",
        "--attack",
        "pgd",
        "--eps",
        "2/255",
        "--explain-atlas",
        "--animate",
        &attack_animation.display().to_string(),
        "--device",
        "cpu",
        "--out",
        &attack_out.display().to_string(),
    ]));

    // A labelled folder holding the scan, evaluated with the HTML report.
    let data = work.path().join("data");
    for class in ["NORMAL", "PNEUMONIA"] {
        std::fs::create_dir_all(data.join(class)).unwrap();
        identified_dicom(&data.join(class).join(format!("{class}_scan.dcm")));
    }
    let eval_out = work.path().join("eval");
    let eval = run_ok(advlens().args([
        "eval",
        "--model",
        "chest-xray-cnn",
        "--data",
        &data.display().to_string(),
        "--attacks",
        "fgsm",
        "--eps",
        "0,2/255",
        "--report",
        &eval_out.join("report.html").display().to_string(),
        "--device",
        "cpu",
        "--out",
        &eval_out.display().to_string(),
    ]));

    let (mut found, attack_files) = leaks_in_folder(&attack_out);
    let (eval_found, eval_files) = leaks_in_folder(&eval_out);
    found.extend(eval_found);
    for (name, output) in [("attack", &attack), ("eval", &eval)] {
        found.extend(leaks(&output.stdout, &format!("{name} stdout")));
        found.extend(leaks(&output.stderr, &format!("{name} stderr")));
    }
    assert!(attack_files >= 6, "{attack_files} files from attack");
    assert!(eval_files >= 3, "{eval_files} files from eval");
    assert!(found.is_empty(), "identifiers leaked: {found:#?}");
}

#[test]
fn the_window_shows_and_exports_no_patient_identifier() {
    let work = tempfile::tempdir().unwrap();
    let scan = work.path().join("identified.dcm");
    identified_dicom(&scan);
    let mut harness = window::harness();
    window::settle(&mut harness);
    harness.state_mut().push(Command::OpenScan(scan.clone()));
    let started = std::time::Instant::now();
    loop {
        harness.step();
        let app = harness.state();
        let opened = app
            .scan()
            .is_some_and(|s| s.metadata.source_name == "identified.dcm");
        if opened && app.result().is_some() && !app.is_busy() && !app.status().sweeping {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_mins(2));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let export = work.path().join("export");
    harness
        .state_mut()
        .push(Command::Export(Some(export.clone())));
    harness
        .state_mut()
        .push(Command::ExportAnimation(Some(export.join("flip.gif"))));
    let started = std::time::Instant::now();
    while !export.join("flip.gif").is_file() {
        harness.step();
        assert!(started.elapsed() < std::time::Duration::from_mins(2));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    harness.run_steps(2);
    assert!(
        harness.state().errors().is_empty(),
        "{:?}",
        harness.state().errors()
    );
    let (mut found, files) = leaks_in_folder(&export);
    assert!(files >= 8, "{files} files exported");
    // What the window shows in text: its banner, status and the scan's description.
    let app = harness.state();
    let shown = format!(
        "{:?} {:?} {:?}",
        app.errors(),
        app.status(),
        app.scan().map(|s| &s.metadata)
    );
    found.extend(leaks(shown.as_bytes(), "the window's text"));
    assert!(found.is_empty(), "identifiers leaked: {found:#?}");
}
