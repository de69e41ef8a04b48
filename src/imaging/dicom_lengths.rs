//! A check of a DICOM file's declared element lengths before dicom-rs reads it: an element
//! that claims more bytes than the file holds (the fuzzer made one claim 4 GB) would make the
//! reader allocate that much before failing. Here every element of the file meta group and of
//! the top-level data set (explicit or implicit VR, little endian) is walked by its header
//! alone, and a length past the end of the file is refused with a message naming the element.
//! Undefined lengths (sequences, encapsulated pixel data) end the walk: what follows is left to
//! the reader, whose own checks apply.

/// The VRs whose explicit-VR header has two reserved bytes and a 4-byte length.
const LONG_VRS: [[u8; 2]; 13] = [
    *b"OB", *b"OD", *b"OF", *b"OL", *b"OW", *b"SQ", *b"UC", *b"UR", *b"UT", *b"UN", *b"OV", *b"SV",
    *b"UV",
];

/// The first element (as `(gggg,eeee)`) whose declared length runs past the end of `body` (the
/// bytes after the preamble, with or without `DICM`), with its length; `None` when every length
/// walked fits.
#[must_use]
pub(crate) fn length_past_end(body: &[u8]) -> Option<(String, u64)> {
    let body = body.strip_prefix(b"DICM").unwrap_or(body);
    let mut at = 0usize;
    // The file meta group: always explicit VR little endian.
    let mut explicit = true;
    let mut in_meta = true;
    while at + 8 <= body.len() {
        let group = u16::from_le_bytes([body[at], body[at + 1]]);
        let element = u16::from_le_bytes([body[at + 2], body[at + 3]]);
        if in_meta && group != 0x0002 {
            in_meta = false;
            explicit = explicit_data_set(&body[..at]);
        }
        let tag = format!("({group:04X},{element:04X})");
        // Item and delimitation tags carry no VR.
        let vr_field = [body[at + 4], body[at + 5]];
        let (length, header) = if group == 0xFFFE || !explicit {
            (
                u64::from(u32::from_le_bytes([
                    body[at + 4],
                    body[at + 5],
                    body[at + 6],
                    body[at + 7],
                ])),
                8,
            )
        } else if LONG_VRS.contains(&vr_field) {
            if at + 12 > body.len() {
                return None;
            }
            (
                u64::from(u32::from_le_bytes([
                    body[at + 8],
                    body[at + 9],
                    body[at + 10],
                    body[at + 11],
                ])),
                12,
            )
        } else {
            (
                u64::from(u16::from_le_bytes([body[at + 6], body[at + 7]])),
                8,
            )
        };
        if length == u64::from(u32::MAX) {
            return None;
        }
        let remaining = (body.len() - at - header) as u64;
        if length > remaining {
            return Some((tag, length));
        }
        at += header + length as usize;
    }
    None
}

/// Whether the data set after the file meta group `meta` is explicit VR: the meta group names
/// the transfer syntax in (0002,0010), and implicit VR little endian is `1.2.840.10008.1.2`.
fn explicit_data_set(meta: &[u8]) -> bool {
    let marker = [0x02, 0x00, 0x10, 0x00];
    let uid = meta.windows(4).position(|w| w == marker).and_then(|pos| {
        let length = usize::from(u16::from_le_bytes([
            *meta.get(pos + 6)?,
            *meta.get(pos + 7)?,
        ]));
        meta.get(pos + 8..pos + 8 + length)
    });
    uid.is_none_or(|uid| {
        let uid = uid.strip_suffix(b"\0").unwrap_or(uid).trim_ascii_end();
        uid != b"1.2.840.10008.1.2"
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Explicit VR LE element bytes.
    fn short(group: u16, element: u16, vr: [u8; 2], value: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend(group.to_le_bytes());
        bytes.extend(element.to_le_bytes());
        bytes.extend(vr);
        bytes.extend((value.len() as u16).to_le_bytes());
        bytes.extend(value);
        bytes
    }

    fn long(group: u16, element: u16, vr: [u8; 2], declared: u32, value: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        bytes.extend(group.to_le_bytes());
        bytes.extend(element.to_le_bytes());
        bytes.extend(vr);
        bytes.extend([0, 0]);
        bytes.extend(declared.to_le_bytes());
        bytes.extend(value);
        bytes
    }

    fn meta(syntax: &[u8]) -> Vec<u8> {
        short(0x0002, 0x0010, *b"UI", syntax)
    }

    #[test]
    fn lengths_that_fit_pass_and_one_past_the_end_is_named() {
        let mut good = meta(b"1.2.840.10008.1.2.1\0");
        good.extend(short(0x0010, 0x0010, *b"PN", b"DOE^J "));
        good.extend(long(0x7FE0, 0x0010, *b"OW", 4, &[1, 2, 3, 4]));
        assert_eq!(length_past_end(&good), None);

        let mut lying = meta(b"1.2.840.10008.1.2.1\0");
        lying.extend(long(0x7FE0, 0x0010, *b"OW", 0xF000_0000, &[1, 2, 3, 4]));
        assert_eq!(
            length_past_end(&lying),
            Some(("(7FE0,0010)".to_string(), 0xF000_0000))
        );
        // An undefined length ends the walk.
        let mut sequence = meta(b"1.2.840.10008.1.2.1\0");
        sequence.extend(long(0x0008, 0x1115, *b"SQ", u32::MAX, &[]));
        assert_eq!(length_past_end(&sequence), None);
    }

    #[test]
    fn the_magic_before_the_meta_group_is_skipped() {
        let mut good = b"DICM".to_vec();
        good.extend(meta(b"1.2.840.10008.1.2\0"));
        good.extend(0x0008u16.to_le_bytes());
        good.extend(0x0012u16.to_le_bytes());
        good.extend(8u32.to_le_bytes());
        good.extend(b"20030903");
        assert_eq!(length_past_end(&good), None);
    }

    #[test]
    fn implicit_vr_data_sets_are_walked_with_four_byte_lengths() {
        let mut implicit = meta(b"1.2.840.10008.1.2\0");
        implicit.extend(0x0010u16.to_le_bytes());
        implicit.extend(0x0010u16.to_le_bytes());
        implicit.extend(0x7FFF_FFFFu32.to_le_bytes());
        implicit.extend(b"DOE^J ");
        assert_eq!(
            length_past_end(&implicit),
            Some(("(0010,0010)".to_string(), 0x7FFF_FFFF))
        );
    }
}
