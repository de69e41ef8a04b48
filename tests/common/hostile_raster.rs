//! Hostile raster files (PNG, JPEG, TIFF), written byte by byte: lying headers, odd sizes
//! and bit depths, float samples with NaN and Inf, checksums and truncations.

#![allow(dead_code)]

use crate::hostile::{Hostile, hostile};

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

fn png_chunk(kind: [u8; 4], data: &[u8]) -> Vec<u8> {
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
    out.extend(png_chunk(*b"IHDR", &header));
    let row_bytes = (width as usize * usize::from(depth)).div_ceil(8);
    let mut raw = Vec::new();
    for row in 0..rows {
        raw.push(0);
        raw.extend((0..row_bytes).map(|i| ((i + row) % 251) as u8));
    }
    out.extend(png_chunk(*b"IDAT", &zlib_stored(&raw)));
    out.extend(png_chunk(*b"IEND", &[]));
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

/// The hostile raster files.
pub fn raster_scans() -> Vec<Hostile> {
    let good_png = png(16, 16, 8, 16);
    let good_tiff = tiff(4, 4, 16, 1, &[0u8; 32]);
    vec![
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
    ]
}
