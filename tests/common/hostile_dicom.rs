//! Hostile DICOM files, built with dicom-object: missing, contradictory or absurd tags, an
//! unknown transfer syntax, a sequence that never ends, truncations.

#![allow(dead_code)]

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;

use crate::dicom_builder::{GreyPixels, grey_dicom};
use crate::hostile::{Hostile, hostile};

/// An 8 × 8, 12-bit DICOM file in `syntax` with the given elements on top of a minimal grey
/// image header and the tags in `skip` left out.
fn dicom(
    elements: Vec<DataElement<InMemDicomObject>>,
    syntax: &str,
    skip: &[dicom_core::Tag],
) -> Vec<u8> {
    grey_dicom(
        GreyPixels {
            width: 8,
            height: 8,
            bits_stored: 12,
            samples: (0..64u16).collect(),
        },
        elements,
        syntax,
        skip,
    )
}

fn ds(tag: dicom_core::Tag, text: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::DS, PrimitiveValue::from(text))
}

fn us(tag: dicom_core::Tag, value: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(value))
}

/// The hostile DICOM files.
#[expect(
    clippy::too_many_lines,
    reason = "one entry per hostile file: a list, not logic"
)]
pub fn dicom_scans() -> Vec<Hostile> {
    let explicit = uids::EXPLICIT_VR_LITTLE_ENDIAN;
    let good_dicom = dicom(Vec::new(), explicit, &[]);
    vec![
        hostile(
            "dicom_preamble_only.dcm",
            {
                let mut bytes = vec![0u8; 128];
                bytes.extend(b"DICM");
                bytes
            },
            "a DICOM preamble and nothing else",
        ),
        hostile(
            "dicom_truncated.dcm",
            good_dicom[..good_dicom.len() / 2].to_vec(),
            "a DICOM file cut in half",
        ),
        hostile(
            "dicom_no_rows.dcm",
            dicom(Vec::new(), explicit, &[tags::ROWS]),
            "DICOM without Rows",
        ),
        hostile(
            "dicom_no_columns.dcm",
            dicom(Vec::new(), explicit, &[tags::COLUMNS]),
            "DICOM without Columns",
        ),
        hostile(
            "dicom_rows_contradict.dcm",
            dicom(
                vec![us(tags::ROWS, 4000), us(tags::COLUMNS, 4000)],
                explicit,
                &[],
            ),
            "DICOM whose Rows × Columns exceed its pixel data",
        ),
        hostile(
            "dicom_zero_rows.dcm",
            dicom(vec![us(tags::ROWS, 0)], explicit, &[]),
            "DICOM with 0 rows",
        ),
        hostile(
            "dicom_bits_7.dcm",
            dicom(vec![us(tags::BITS_ALLOCATED, 7)], explicit, &[]),
            "DICOM with 7 bits allocated",
        ),
        hostile(
            "dicom_bits_64.dcm",
            dicom(
                vec![
                    us(tags::BITS_ALLOCATED, 64),
                    us(tags::BITS_STORED, 64),
                    us(tags::HIGH_BIT, 63),
                ],
                explicit,
                &[],
            ),
            "DICOM with 64 bits allocated",
        ),
        hostile(
            "dicom_no_bits.dcm",
            dicom(Vec::new(), explicit, &[tags::BITS_ALLOCATED]),
            "DICOM without Bits Allocated",
        ),
        hostile(
            "dicom_negative_slope.dcm",
            dicom(
                vec![
                    ds(tags::RESCALE_SLOPE, "-1e30"),
                    ds(tags::RESCALE_INTERCEPT, "0"),
                ],
                explicit,
                &[],
            ),
            "DICOM with a rescale slope of −10³⁰",
        ),
        hostile(
            "dicom_zero_slope.dcm",
            dicom(
                vec![
                    ds(tags::RESCALE_SLOPE, "0"),
                    ds(tags::RESCALE_INTERCEPT, "5"),
                ],
                explicit,
                &[],
            ),
            "DICOM with a rescale slope of 0",
        ),
        hostile(
            "dicom_nan_slope.dcm",
            dicom(vec![ds(tags::RESCALE_SLOPE, "NaN")], explicit, &[]),
            "DICOM with a NaN rescale slope",
        ),
        hostile(
            "dicom_window_zero.dcm",
            dicom(
                vec![ds(tags::WINDOW_CENTER, "100"), ds(tags::WINDOW_WIDTH, "0")],
                explicit,
                &[],
            ),
            "DICOM with window width 0",
        ),
        hostile(
            "dicom_window_negative.dcm",
            dicom(
                vec![
                    ds(tags::WINDOW_CENTER, "100"),
                    ds(tags::WINDOW_WIDTH, "-50"),
                ],
                explicit,
                &[],
            ),
            "DICOM with a negative window width",
        ),
        hostile(
            "dicom_thousand_frames.dcm",
            dicom(
                vec![DataElement::new(
                    tags::NUMBER_OF_FRAMES,
                    VR::IS,
                    PrimitiveValue::from("1000"),
                )],
                explicit,
                &[],
            ),
            "DICOM claiming 1000 frames with data for 1",
        ),
        hostile(
            "dicom_wrong_syntax.dcm",
            {
                // Written as Explicit VR Little Endian, then the meta header's transfer syntax
                // UID replaced by an unknown one of the same length.
                let mut bytes = good_dicom.clone();
                let known = explicit.as_bytes();
                if let Some(at) = bytes.windows(known.len()).position(|w| w == known) {
                    bytes[at..at + known.len()].copy_from_slice(b"1.2.3.4.5.999999999");
                }
                bytes
            },
            "DICOM with an unknown transfer syntax",
        ),
        hostile(
            "dicom_bad_photometric.dcm",
            dicom(
                vec![DataElement::new(
                    tags::PHOTOMETRIC_INTERPRETATION,
                    VR::CS,
                    PrimitiveValue::from("PALETTE COLOR"),
                )],
                explicit,
                &[],
            ),
            "DICOM in palette colour without a palette",
        ),
        hostile(
            "dicom_undefined_length.dcm",
            {
                // A valid file, then a sequence of undefined length that never ends.
                let mut bytes = good_dicom.clone();
                bytes.extend([0x09, 0x00, 0x10, 0x00]); // (0009,0010)
                bytes.extend(b"SQ\0\0");
                bytes.extend([0xFF; 4]);
                bytes.extend([0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
                bytes.extend([0x10, 0x00, 0x10, 0x00]);
                bytes
            },
            "DICOM ending inside an undefined-length sequence",
        ),
        hostile(
            "no_pixels.dcm",
            dicom(Vec::new(), explicit, &[tags::PIXEL_DATA]),
            "DICOM without pixel data",
        ),
    ]
}
