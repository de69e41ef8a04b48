//! A structured fuzz target over the DICOM tags that decide what a scan looks like: files
//! whose rescale, window, VOI LUT function, bit depth, sign and photometric tags take arbitrary
//! values (boundaries, NaN, ±Inf, garbage text, several values; some left out), loaded with
//! arbitrary frames and user windows. Whatever loads must show finite pixels in [0, 1]; every
//! refusal must be one line naming the file; nothing may panic or take 2 s. CI builds 400
//! files; `ADVLENS_FUZZ_ITERATIONS=N` builds 10·N (docs/reliability.md has the long run).

#[path = "common/dicom_builder.rs"]
mod dicom_builder;
#[path = "common/fuzzing.rs"]
mod fuzzing;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use advlens::imaging::{LoadOptions, Window, load_scan_bytes};
use dicom_builder::{GreyPixels, grey_dicom};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use fuzzing::{Rng, iterations};

/// Decimal-string values a DICOM writer might put in a rescale or window tag.
const DECIMAL_TEXTS: [&str; 16] = [
    "0",
    "-0",
    "1",
    "-1",
    "1e-30",
    "-1e30",
    "1e308",
    "1e309",
    "NaN",
    "Infinity",
    "-Infinity",
    "",
    "abc",
    "1\\2",
    "65535",
    "-32768.5",
];
const VOI_FUNCTIONS: [&str; 4] = ["LINEAR", "LINEAR_EXACT", "SIGMOID", "BANANA"];
const PHOTOMETRICS: [&str; 4] = ["MONOCHROME1", "MONOCHROME2", "RGB", ""];

/// A DICOM file of random 8 × 8 samples whose display-related tags take random values.
fn tagged_dicom(rng: &mut Rng) -> Vec<u8> {
    let bits_stored = 1 + rng.below(16) as u16;
    let samples: Vec<u16> = (0..64).map(|_| rng.next() as u16).collect();
    let mut decimal = |tag| {
        let text = if rng.below(4) == 0 {
            format!("{}", (rng.next() as i64) as f64 / 1e6)
        } else {
            DECIMAL_TEXTS[rng.below(DECIMAL_TEXTS.len())].to_string()
        };
        DataElement::new(tag, VR::DS, PrimitiveValue::from(text))
    };
    let mut elements = vec![
        decimal(tags::RESCALE_SLOPE),
        decimal(tags::RESCALE_INTERCEPT),
        decimal(tags::WINDOW_CENTER),
        decimal(tags::WINDOW_WIDTH),
    ];
    elements.push(DataElement::new(
        tags::VOILUT_FUNCTION,
        VR::CS,
        PrimitiveValue::from(VOI_FUNCTIONS[rng.below(VOI_FUNCTIONS.len())]),
    ));
    elements.push(DataElement::new(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        PrimitiveValue::from(PHOTOMETRICS[rng.below(PHOTOMETRICS.len())]),
    ));
    elements.push(DataElement::new(
        tags::PIXEL_REPRESENTATION,
        VR::US,
        PrimitiveValue::from(rng.below(3) as u16),
    ));
    // Some tags are left out at random.
    let mut skip = Vec::new();
    for tag in [tags::RESCALE_SLOPE, tags::WINDOW_WIDTH, tags::HIGH_BIT] {
        if rng.below(4) == 0 {
            skip.push(tag);
        }
    }
    elements.retain(|element| !skip.contains(&element.header().tag));
    grey_dicom(
        GreyPixels {
            width: 8,
            height: 8,
            bits_stored,
            samples,
        },
        elements,
        "1.2.840.10008.1.2.1",
        &skip,
    )
}

#[test]
fn dicom_display_tags_with_arbitrary_values_load_sanely_or_are_refused() {
    let mut rng = Rng(0x5EED_D1C0);
    let started = Instant::now();
    let count = 10 * iterations();
    let mut loaded = 0;
    let mut refusals = std::collections::BTreeMap::new();
    for index in 0..count {
        let bytes = tagged_dicom(&mut rng);
        let window = (rng.below(3) == 0).then(|| Window {
            center: (rng.next() as i64) as f64 / 1e12,
            width: [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-9, 400.0][rng.below(6)],
        });
        let options = LoadOptions {
            // Mostly the one frame there is; sometimes one that is not there.
            frame: usize::from(rng.below(8) == 0),
            window,
        };
        let call = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            load_scan_bytes(&bytes, "tagged.dcm", &options)
        }));
        let saved = || {
            let path = std::env::temp_dir().join(format!("advlens-fuzz-tags-{index}.dcm"));
            std::fs::write(&path, &bytes).ok();
            path.display().to_string()
        };
        assert!(
            call.elapsed() < Duration::from_secs(2),
            "slow; saved to {}",
            saved()
        );
        let Ok(result) = outcome else {
            panic!("panicked; saved to {}", saved());
        };
        if let Err(err) = &result {
            assert!(
                err.to_string().ends_with("tagged.dcm") && !err.to_string().contains('\n'),
                "a refusal must be one line naming the file: {err}"
            );
            let reason: String = err
                .to_string()
                .chars()
                .take(40)
                .filter(|c| !c.is_ascii_digit())
                .collect();
            *refusals.entry(reason).or_insert(0_usize) += 1;
        }
        if let Ok(scan) = result {
            loaded += 1;
            assert!(
                scan.display
                    .pixels
                    .iter()
                    .all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
                "display out of [0, 1] with {options:?}; saved to {}",
                saved()
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "fuzz dicom-tags: {count} files in {seconds:.1} s ({:.0}/s), {loaded} loaded, no panic",
        count as f64 / seconds
    );
    for (reason, times) in &refusals {
        eprintln!("  refused {times}×: {reason}");
    }
    assert!(
        loaded > 0,
        "nothing loaded: the generator makes only broken files"
    );
}
