//! A seeded mutation fuzzer on stable Rust (no nightly here for cargo-fuzz): everything a user
//! can hand advlens — scans (PNG, JPEG, TIFF, DICOM, through the window's and the CLI's
//! `load_scan_bytes`), model cards and safetensors weights (`load_model_files`), `recipe.json`,
//! and the ε, region and defence texts — starts from real seed files and is mutated (bit flips,
//! boundary bytes, truncation, duplicated and inserted slices). Every input must give `Ok` or a
//! clear `Err`, never a panic, within 2 s. A panicking input is saved (the path is printed)
//! to become a regression case in `tests/fixtures/bad/`.
//!
//! A structured target over DICOM display tags is in `fuzz_dicom_tags.rs`.
//!
//! The normal run mutates each seed 40 times; `ADVLENS_FUZZ_ITERATIONS=N cargo test --release
//! --test fuzz_loaders -- --nocapture` runs N per seed and prints executions per second
//! (docs/reliability.md has the long run's figures).

mod common;
#[path = "common/fuzzing.rs"]
mod fuzzing;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use advlens::attacks::{Region, parse_epsilon};
use advlens::defenses::DefenseConfig;
use advlens::imaging::{LoadOptions, load_scan_bytes};
use advlens::models::{ModelCard, load_model_files};
use advlens::recipe::Recipe;
use fuzzing::{Rng, iterations};

/// One to four random mutations of `seed`; the header (first 512 bytes) is hit more often,
/// where the decoders make their decisions.
fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for _ in 0..=rng.below(4) {
        if bytes.is_empty() {
            bytes.push(rng.next() as u8);
            continue;
        }
        let span = if rng.below(2) == 0 {
            bytes.len().min(512)
        } else {
            bytes.len()
        };
        let at = rng.below(span);
        match rng.below(6) {
            0 => bytes[at] ^= 1 << rng.below(8),
            1 => bytes[at] = [0x00, 0xFF, 0x7F, 0x80, 0x01][rng.below(5)],
            2 => bytes.truncate(at),
            3 => {
                let end = (at + 1 + rng.below(64)).min(bytes.len());
                let slice = bytes[at..end].to_vec();
                let to = rng.below(bytes.len());
                bytes.splice(to..to, slice);
            }
            4 => {
                let junk: Vec<u8> = (0..=rng.below(16)).map(|_| rng.next() as u8).collect();
                bytes.splice(at..at, junk);
            }
            _ => {
                // A 32-bit field set to a boundary value (lengths, sizes, counts).
                let value: u32 = [0, 1, 0x7FFF_FFFF, 0xFFFF_FFFF, 0x0001_0000][rng.below(5)];
                for (offset, byte) in value.to_le_bytes().into_iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(at + offset) {
                        *slot = byte;
                    }
                }
            }
        }
    }
    bytes
}

/// Runs `check` on `iterations()` mutants of every seed; fails on a panic (saving the input)
/// or a call over 2 s. Returns (executions, seconds).
fn fuzz(target: &str, seeds: &[(String, Vec<u8>)], check: &dyn Fn(&str, &[u8])) -> (usize, f64) {
    let started = Instant::now();
    let mut runs = 0;
    for (index, (name, seed)) in seeds.iter().enumerate() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((index as u64 + 1) << 32) ^ target.len() as u64);
        for iteration in 0..iterations() {
            let input = mutate(seed, &mut rng);
            let call = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| check(name, &input)));
            let took = call.elapsed();
            let slow = took >= Duration::from_secs(2);
            if outcome.is_err() || slow {
                let saved =
                    std::env::temp_dir().join(format!("advlens-fuzz-{target}-{index}-{iteration}"));
                std::fs::write(&saved, &input).ok();
                let what = if slow {
                    format!("took {took:?}")
                } else {
                    "panicked".to_string()
                };
                panic!(
                    "{target}: a mutant of {name} {what}; input saved to {}",
                    saved.display()
                );
            }
            runs += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz {target}: {runs} inputs from {} seeds in {seconds:.1} s ({:.0}/s), no panic",
        seeds.len(),
        runs as f64 / seconds
    );
    (runs, seconds)
}

fn read(path: &Path) -> (String, Vec<u8>) {
    (
        path.file_name().unwrap().to_string_lossy().into_owned(),
        std::fs::read(path).unwrap(),
    )
}

fn repo(relative: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// PNG, DICOM and, encoded here from a bundled PNG, JPEG and TIFF.
fn scan_seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<(String, Vec<u8>)> = [
        "sample_data/chest_xray_normal_1.png",
        "sample_data/fetal_head_147_mask.png",
        "sample_data/ct_small.dcm",
        "sample_data/mr_head_10frames.dcm",
        "sample_data/cr_chest_monochrome1.dcm",
        "tests/fixtures/dicom/JPEG-LL.dcm",
        "tests/fixtures/dicom/MR_small_RLE.dcm",
    ]
    .iter()
    .map(|p| read(&repo(p)))
    .collect();
    let image = image::open(repo("sample_data/chest_xray_normal_1.png"))
        .unwrap()
        .resize(96, 96, image::imageops::FilterType::Triangle);
    for (name, format) in [
        ("seed.jpg", image::ImageFormat::Jpeg),
        ("seed.tif", image::ImageFormat::Tiff),
    ] {
        let mut bytes = std::io::Cursor::new(Vec::new());
        image.to_luma8().write_to(&mut bytes, format).unwrap();
        seeds.push((name.to_string(), bytes.into_inner()));
    }
    seeds
}

#[test]
fn scans_never_panic_or_hang() {
    let (runs, _) = fuzz("scan", &scan_seeds(), &|name, bytes| {
        let _ = load_scan_bytes(bytes, name, &LoadOptions::default());
    });
    assert!(runs >= 9 * iterations());
}

#[test]
fn cards_weights_and_recipes_never_panic_or_hang() {
    let device = advlens::device::ComputeDevice::cpu();
    let folder = tempfile::tempdir().unwrap();
    let card_path = repo("assets/models/chest-xray-cnn.json");
    let card = ModelCard::load(&card_path).unwrap();
    let file = |name: &str, bytes: &[u8]| {
        let path = folder.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    fuzz(
        "card",
        &[
            read(&card_path),
            read(&repo("tests/fixtures/compat/card-v0.1-brain-mri-cnn.json")),
        ],
        &|_, bytes| {
            let _ = ModelCard::load(&file("card.json", bytes));
        },
    );
    fuzz(
        "weights",
        &[read(&repo("assets/models/chest-xray-cnn.safetensors"))],
        &|_, bytes| {
            let _ = load_model_files(
                &file("weights.safetensors", bytes),
                card.clone(),
                &device.device,
            );
        },
    );
    fuzz(
        "recipe",
        &[read(&repo(
            "tests/fixtures/compat/recipe-v0.1-before-attack-spec.json",
        ))],
        &|_, bytes| {
            let _ = Recipe::load(&file("recipe.json", bytes));
        },
    );
}

#[test]
fn the_text_parsers_never_panic() {
    let seeds: Vec<(String, Vec<u8>)> = [
        "2/255",
        "0.0078",
        "8/255",
        "0.25,0.25,0.75,0.75",
        "median:3",
        "jpeg:75",
        "tv:0.08,iterations=30",
        "smoothing:0.25,n=100,alpha=0.001",
        "bits:4",
        "wavelet:3,sigma=0",
    ]
    .iter()
    .map(|text| ((*text).to_string(), text.as_bytes().to_vec()))
    .collect();
    fuzz("text", &seeds, &|_, bytes| {
        let text = String::from_utf8_lossy(bytes);
        let _ = parse_epsilon(&text);
        let _ = Region::parse(&text);
        let _ = DefenseConfig::parse(&text);
    });
}
