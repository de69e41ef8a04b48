//! Hostile files, made here from code (never by hand): raster files with lying headers, odd
//! sizes, odd bit depths and NaNs; DICOM files with missing, contradictory or absurd tags;
//! weights and cards that lie. Each comes with what is wrong with it, for the messages.

#![allow(dead_code)]

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

/// One hostile file: its name, its bytes, and what is wrong with it.
pub struct Hostile {
    /// File name (the extension matters to the loader).
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// What is wrong, in words.
    pub what: &'static str,
}

fn hostile(name: &str, bytes: Vec<u8>, what: &'static str) -> Hostile {
    Hostile {
        name: name.to_string(),
        bytes,
        what,
    }
}

/// CRC-32 (IEEE), as PNG chunks use it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(65_535).collect()
    };
    for (index, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(index + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend(*chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend(((b << 16) | a).to_be_bytes());
    out
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
    out
}

/// A grey PNG whose header says `width` × `height` at `depth` bits, with `rows` rows of
/// pixel data actually present (each row: filter byte 0, then zeros).
fn png(width: u32, height: u32, depth: u8, rows: usize) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = width.to_be_bytes().to_vec();
    header.extend(height.to_be_bytes());
    header.extend([depth, 0, 0, 0, 0]);
    out.extend(png_chunk(b"IHDR", &header));
    let row_bytes = (width as usize * usize::from(depth)).div_ceil(8);
    let mut raw = Vec::new();
    for row in 0..rows {
        raw.push(0);
        raw.extend((0..row_bytes).map(|i| ((i + row) % 251) as u8));
    }
    out.extend(png_chunk(b"IDAT", &zlib_stored(&raw)));
    out.extend(png_chunk(b"IEND", &[]));
    out
}

/// A little-endian, uncompressed, one-strip grey TIFF: `bits` per sample of `format`
/// (1 unsigned, 3 float), `data` as the strip, and the header's `width` × `height`.
fn tiff(width: u32, height: u32, bits: u16, format: u16, data: &[u8]) -> Vec<u8> {
    let entries: [(u16, u16, u32); 9] = [
        (256, 4, width),
        (257, 4, height),
        (258, 3, u32::from(bits)),
        (259, 3, 1),
        (262, 3, 1),
        (273, 4, 8),
        (278, 4, height),
        (279, 4, data.len() as u32),
        (339, 3, u32::from(format)),
    ];
    let mut out = b"II*\0".to_vec();
    let ifd_offset = 8 + data.len() as u32;
    out.extend(ifd_offset.to_le_bytes());
    out.extend(data);
    out.extend((entries.len() as u16).to_le_bytes());
    for (tag, kind, value) in entries {
        out.extend(tag.to_le_bytes());
        out.extend(kind.to_le_bytes());
        out.extend(1u32.to_le_bytes());
        if kind == 3 {
            out.extend((value as u16).to_le_bytes());
            out.extend([0, 0]);
        } else {
            out.extend(value.to_le_bytes());
        }
    }
    out.extend(0u32.to_le_bytes());
    out
}

fn floats(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// A DICOM file (Explicit VR Little Endian unless `syntax` says otherwise) with the given
/// elements on top of a minimal grey image header.
fn dicom(
    elements: Vec<DataElement<InMemDicomObject>>,
    syntax: &str,
    skip: &[dicom_core::Tag],
) -> Vec<u8> {
    let mut object = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.7"),
        ),
        DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.3.4.5.6.8"),
        ),
        DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("OT")),
        DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
        DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from("MONOCHROME2"),
        ),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(8u16)),
        DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(8u16)),
        DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16u16)),
        DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(12u16)),
        DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(11u16)),
        DataElement::new(
            tags::PIXEL_REPRESENTATION,
            VR::US,
            PrimitiveValue::from(0u16),
        ),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16((0..64u16).collect()),
        ),
    ]);
    for tag in skip {
        object.remove_element(*tag);
    }
    for element in elements {
        object.put(element);
    }
    let file = object
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(syntax)
                .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.7"),
        )
        .unwrap();
    let mut bytes = Vec::new();
    file.write_all(&mut bytes).unwrap();
    bytes
}

fn ds(tag: dicom_core::Tag, text: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::DS, PrimitiveValue::from(text))
}

fn us(tag: dicom_core::Tag, value: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, PrimitiveValue::from(value))
}

/// The hostile scans: raster and DICOM.
pub fn hostile_scans() -> Vec<Hostile> {
    let explicit = uids::EXPLICIT_VR_LITTLE_ENDIAN;
    let good_png = png(16, 16, 8, 16);
    let good_tiff = tiff(4, 4, 16, 1, &[0u8; 32]);
    let good_dicom = dicom(Vec::new(), explicit, &[]);
    let mut list = vec![
        hostile("zero.png", Vec::new(), "0 bytes"),
        hostile("zero.jpg", Vec::new(), "0 bytes"),
        hostile("zero.tif", Vec::new(), "0 bytes"),
        hostile("zero.dcm", Vec::new(), "0 bytes"),
        hostile(
            "huge_header.png",
            png(100_000, 100_000, 8, 1),
            "a PNG claiming 100 000 × 100 000 pixels",
        ),
        hostile("one_by_one.png", png(1, 1, 8, 1), "a 1 × 1 PNG"),
        hostile(
            "one_by_100000.png",
            png(1, 100_000, 8, 100_000),
            "a 1 × 100 000 PNG",
        ),
        hostile(
            "wide_100000_by_1.png",
            png(100_000, 1, 8, 1),
            "a 100 000 × 1 PNG",
        ),
        hostile("sixteen_bit.png", png(16, 16, 16, 16), "a 16-bit PNG"),
        hostile(
            "missing_rows.png",
            png(64, 64, 8, 3),
            "a PNG whose data stops after 3 of 64 rows",
        ),
        hostile("zero_width.png", png(0, 16, 8, 16), "a PNG with width 0"),
        hostile(
            "png_truncated_header.png",
            good_png[..20].to_vec(),
            "a PNG cut inside its header",
        ),
        hostile(
            "png_bad_crc.png",
            {
                let mut bytes = good_png.clone();
                bytes[29] ^= 0xFF;
                bytes
            },
            "a PNG whose header checksum is wrong",
        ),
        hostile(
            "huge_header.tif",
            tiff(100_000, 100_000, 16, 1, &[0u8; 32]),
            "a TIFF claiming 100 000 × 100 000 pixels",
        ),
        hostile(
            "float_nan.tif",
            tiff(2, 2, 32, 3, &floats(&[f32::NAN, 0.5, 0.25, 1.0])),
            "a float TIFF holding NaN",
        ),
        hostile(
            "float_inf.tif",
            tiff(
                2,
                2,
                32,
                3,
                &floats(&[f32::INFINITY, 0.5, f32::NEG_INFINITY, 1.0]),
            ),
            "a float TIFF holding ±Inf",
        ),
        hostile(
            "float_ok.tif",
            tiff(2, 2, 32, 3, &floats(&[0.0, 0.5, 0.25, 1.0])),
            "a float TIFF (valid, odd)",
        ),
        hostile(
            "sixteen_bit.tif",
            good_tiff.clone(),
            "a 16-bit TIFF (valid)",
        ),
        hostile(
            "short_strip.tif",
            tiff(64, 64, 16, 1, &[0u8; 10]),
            "a TIFF whose strip is shorter than its size",
        ),
        hostile(
            "tiff_truncated.tif",
            good_tiff[..12].to_vec(),
            "a TIFF cut inside its directory",
        ),
        hostile(
            "jpeg_soi_only.jpg",
            vec![0xFF, 0xD8, 0xFF],
            "a JPEG with only its start marker",
        ),
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
    ];
    list.push(hostile(
        "no_pixels.dcm",
        dicom(Vec::new(), explicit, &[tags::PIXEL_DATA]),
        "DICOM without pixel data",
    ));
    list
}
