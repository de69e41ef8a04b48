//! DICOM decoding: synthetic files with known values (MONOCHROME1, rescale, windowing,
//! multi-frame, absurd sizes) and real files from pydicom (RLE, JPEG, unsupported syntaxes,
//! no pixel data).

use std::path::{Path, PathBuf};

use advlens::imaging::{ImagingError, LoadOptions, Window, load_scan, load_scan_bytes};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/dicom")
        .join(name)
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data")
        .join(name)
}

struct Synthetic<'a> {
    rows: u16,
    columns: u16,
    frames: u16,
    photometric: &'a str,
    pixels: Vec<u16>,
    rescale: Option<(f64, f64)>,
    window: Option<(f64, f64)>,
}

fn synthetic_dicom(spec: &Synthetic<'_>) -> Vec<u8> {
    let mut object = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.1.1"),
        ),
        DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.3.4.5.6.7"),
        ),
        DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("DX")),
        DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
        DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from(spec.photometric),
        ),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(spec.rows)),
        DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(spec.columns)),
        DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16)),
        DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(12u16)),
        DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(11u16)),
        DataElement::new(
            tags::PIXEL_REPRESENTATION,
            VR::US,
            PrimitiveValue::from(0u16),
        ),
        DataElement::new(
            tags::PIXEL_SPACING,
            VR::DS,
            PrimitiveValue::from("0.5\\0.25"),
        ),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(spec.pixels.clone().into()),
        ),
    ]);
    if spec.frames > 1 {
        object.put(DataElement::new(
            tags::NUMBER_OF_FRAMES,
            VR::IS,
            PrimitiveValue::from(spec.frames.to_string()),
        ));
    }
    if let Some((slope, intercept)) = spec.rescale {
        object.put(DataElement::new(
            tags::RESCALE_SLOPE,
            VR::DS,
            PrimitiveValue::from(slope.to_string()),
        ));
        object.put(DataElement::new(
            tags::RESCALE_INTERCEPT,
            VR::DS,
            PrimitiveValue::from(intercept.to_string()),
        ));
    }
    if let Some((center, width)) = spec.window {
        object.put(DataElement::new(
            tags::WINDOW_CENTER,
            VR::DS,
            PrimitiveValue::from(center.to_string()),
        ));
        object.put(DataElement::new(
            tags::WINDOW_WIDTH,
            VR::DS,
            PrimitiveValue::from(width.to_string()),
        ));
    }
    let file = object
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
                .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.1.1"),
        )
        .unwrap();
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).unwrap();
    bytes
}

#[test]
fn monochrome1_is_inverted_after_rescale_and_window() {
    let bytes = synthetic_dicom(&Synthetic {
        rows: 2,
        columns: 2,
        frames: 1,
        photometric: "MONOCHROME1",
        pixels: vec![0, 1000, 2000, 4095],
        rescale: Some((2.0, -1000.0)),
        window: Some((1000.0, 2000.0)),
    });
    let scan = load_scan_bytes(&bytes, "synthetic.dcm", &LoadOptions::default()).unwrap();
    assert_eq!(
        scan.raw.pixels,
        vec![-1000.0, 1000.0, 3000.0, 7190.0],
        "rescale applied"
    );
    assert!(scan.metadata.inverted);
    assert_eq!(
        scan.metadata.file_window,
        Some(Window {
            center: 1000.0,
            width: 2000.0
        })
    );
    assert_eq!(scan.metadata.modality.as_deref(), Some("DX"));
    assert_eq!(scan.metadata.pixel_spacing_mm, Some([0.5, 0.25]));
    // Below the window -> black before inversion -> white after; above -> black.
    assert_eq!(scan.display.pixels[0], 1.0);
    assert_eq!(scan.display.pixels[2], 0.0);
    assert!(
        (scan.display.pixels[1] - 0.5).abs() < 1e-3,
        "{:?}",
        scan.display.pixels
    );

    let same_as_monochrome2 = synthetic_dicom(&Synthetic {
        rows: 2,
        columns: 2,
        frames: 1,
        photometric: "MONOCHROME2",
        pixels: vec![0, 1000, 2000, 4095],
        rescale: Some((2.0, -1000.0)),
        window: Some((1000.0, 2000.0)),
    });
    let plain = load_scan_bytes(&same_as_monochrome2, "m2.dcm", &LoadOptions::default()).unwrap();
    for (inverted, normal) in scan.display.pixels.iter().zip(&plain.display.pixels) {
        assert!((inverted + normal - 1.0).abs() < 1e-6);
    }
}

#[test]
fn window_override_replaces_the_files_window() {
    let bytes = synthetic_dicom(&Synthetic {
        rows: 1,
        columns: 3,
        frames: 1,
        photometric: "MONOCHROME2",
        pixels: vec![0, 100, 200],
        rescale: None,
        window: Some((1000.0, 10.0)),
    });
    let window = Window::spanning(0.0, 200.0);
    let scan = load_scan_bytes(
        &bytes,
        "w.dcm",
        &LoadOptions {
            frame: 0,
            window: Some(window),
        },
    )
    .unwrap();
    assert_eq!(scan.metadata.window, window);
    assert!(scan.display.pixels[0].abs() < 1e-6 && (scan.display.pixels[2] - 1.0).abs() < 1e-6);
    let default = load_scan_bytes(&bytes, "w.dcm", &LoadOptions::default()).unwrap();
    assert_eq!(
        default.display.pixels,
        vec![0.0, 0.0, 0.0],
        "file window 1000/10 hides everything"
    );
}

#[test]
fn multi_frame_picks_the_requested_frame_and_refuses_missing_ones() {
    let bytes = synthetic_dicom(&Synthetic {
        rows: 2,
        columns: 2,
        frames: 3,
        photometric: "MONOCHROME2",
        pixels: [[10u16; 4], [20; 4], [30; 4]].concat(),
        rescale: None,
        window: None,
    });
    for frame in 0..3 {
        let scan = load_scan_bytes(
            &bytes,
            "mf.dcm",
            &LoadOptions {
                frame,
                window: None,
            },
        )
        .unwrap();
        assert_eq!(scan.raw.pixels, vec![10.0 * (frame as f32 + 1.0); 4]);
        assert_eq!(scan.metadata.frame_count, 3);
    }
    let err = load_scan_bytes(
        &bytes,
        "mf.dcm",
        &LoadOptions {
            frame: 3,
            window: None,
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            ImagingError::FrameOutOfRange {
                frame: 3,
                count: 3,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn absurd_sizes_are_refused_before_decoding() {
    let bytes = synthetic_dicom(&Synthetic {
        rows: 60_000,
        columns: 60_000,
        frames: 1,
        photometric: "MONOCHROME2",
        pixels: vec![0; 4],
        rescale: None,
        window: None,
    });
    let err = load_scan_bytes(&bytes, "huge.dcm", &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, ImagingError::TooLarge { .. }), "{err}");
}

#[test]
fn truncated_dicom_is_an_error_not_a_panic() {
    let bytes = std::fs::read(fixture("MR_small.dcm")).unwrap();
    for cut in [140, 400, bytes.len() / 2, bytes.len() - 10] {
        assert!(
            load_scan_bytes(&bytes[..cut], "cut.dcm", &LoadOptions::default()).is_err(),
            "cut at {cut}"
        );
    }
}

#[test]
fn rle_decodes_to_the_same_pixels_as_uncompressed() {
    let plain = load_scan(&fixture("MR_small.dcm"), &LoadOptions::default()).unwrap();
    let rle = load_scan(&fixture("MR_small_RLE.dcm"), &LoadOptions::default()).unwrap();
    assert_eq!((plain.raw.width, plain.raw.height), (64, 64));
    assert_eq!(plain.raw, rle.raw);
    assert_eq!(plain.metadata.modality.as_deref(), Some("MR"));
}

#[test]
fn jpeg_lossless_and_baseline_decode() {
    let lossless = load_scan(&fixture("JPEG-LL.dcm"), &LoadOptions::default()).unwrap();
    assert_eq!((lossless.raw.width, lossless.raw.height), (256, 1024));
    let (min, max) = lossless.raw.min_max();
    assert!(max > min, "decoded image is not flat");
    // The baseline file is a lossy JPEG (YBR_FULL) of the uncompressed RGB file: the grey
    // levels must agree closely, which also checks the colour handling.
    let baseline = load_scan(&fixture("SC_rgb_jpeg_dcmtk.dcm"), &LoadOptions::default()).unwrap();
    let reference = load_scan(&fixture("SC_rgb.dcm"), &LoadOptions::default()).unwrap();
    assert_eq!((baseline.raw.width, baseline.raw.height), (100, 100));
    let mean_abs: f32 = baseline
        .raw
        .pixels
        .iter()
        .zip(&reference.raw.pixels)
        .map(|(a, b)| (a - b).abs())
        .sum::<f32>()
        / 10_000.0;
    assert!(mean_abs < 8.0, "mean grey-level difference {mean_abs}");
}

#[test]
fn unsupported_syntaxes_and_missing_pixels_are_named() {
    let jp2k = load_scan(
        &fixture("MR_small_jp2klossless.dcm"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(jp2k.to_string().contains("JPEG 2000"), "{jp2k}");
    let jpeg_ls = load_scan(
        &fixture("MR_small_jpeg_ls_lossless.dcm"),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(jpeg_ls.to_string().contains("JPEG-LS"), "{jpeg_ls}");
    let extended = load_scan(&fixture("JPEG-lossy.dcm"), &LoadOptions::default()).unwrap_err();
    assert!(
        extended.to_string().contains("JPEG Extended (12-bit)"),
        "{extended}"
    );
    let plan = load_scan(&fixture("rtplan.dcm"), &LoadOptions::default()).unwrap_err();
    assert!(matches!(plan, ImagingError::NoPixelData { .. }), "{plan}");
}

#[test]
fn bundled_samples_load() {
    let cr = load_scan(&sample("cr_chest_monochrome1.dcm"), &LoadOptions::default()).unwrap();
    assert!(cr.metadata.inverted, "the CR chest is MONOCHROME1");
    assert_eq!(cr.metadata.modality.as_deref(), Some("CR"));
    let ct = load_scan(&sample("ct_small.dcm"), &LoadOptions::default()).unwrap();
    assert!(
        ct.raw.min_max().0 < -500.0,
        "CT air in Hounsfield units after rescale"
    );
    let mr = load_scan(
        &sample("mr_head_10frames.dcm"),
        &LoadOptions {
            frame: 9,
            window: None,
        },
    )
    .unwrap();
    assert_eq!(mr.metadata.frame_count, 10);
    for name in ["chest_xray_normal_2.png", "chest_xray_pneumonia_1.png"] {
        let scan = load_scan(&sample(name), &LoadOptions::default()).unwrap();
        assert!(scan.display.pixels.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
