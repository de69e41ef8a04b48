//! A check of a DICOM file's declared element lengths before dicom-rs reads it: an element
//! that claims more bytes than the file holds (the fuzzer made one claim 4 GB) would make the
//! reader allocate that much before failing. Here every element of the file meta group and of
//! the data set (explicit or implicit VR, little endian) is walked by its header
//! alone, and a length past the end of the file is refused with a message naming the element.
//! Sequences and their items are walked into, so the elements nested in them and those after a
//! sequence of undefined length are checked too; the fragments of encapsulated pixel data are
//! checked and stepped over.

/// The VRs whose explicit-VR header has a 2-byte length (PS3.5 7.1.2); every other VR, an
/// unknown one included (read as UN, as dicom-rs does), has two reserved bytes and a 4-byte
/// length.
const SHORT_VRS: [[u8; 2]; 21] = [
    *b"AE", *b"AS", *b"AT", *b"CS", *b"DA", *b"DS", *b"DT", *b"FL", *b"FD", *b"IS", *b"LO", *b"LT",
    *b"PN", *b"SH", *b"SL", *b"SS", *b"ST", *b"TM", *b"UI", *b"UL", *b"US",
];

/// The first element (as `(gggg,eeee)`) whose declared length runs past the end of `body` (the
/// bytes after the preamble, with or without `DICM`), with its length; `None` when every length
/// walked fits.
#[must_use]
pub(crate) fn length_past_end(body: &[u8]) -> Option<(String, u64)> {
    let body = body.strip_prefix(b"DICM").unwrap_or(body);
    let mut at = 0usize;
    let mut explicit = true;
    let mut in_meta = true;
    // Inside an encapsulated value (pixel data of undefined length), items are fragments of
    // bytes, stepped over; elsewhere an item holds a data set, walked into.
    let mut fragments = false;
    while at + 8 <= body.len() {
        let group = u16::from_le_bytes([body[at], body[at + 1]]);
        let element = u16::from_le_bytes([body[at + 2], body[at + 3]]);
        if in_meta && group != 0x0002 {
            in_meta = false;
            explicit = explicit_data_set(&body[..at]);
        }
        let header = Header::read(&body[at..], group, explicit)?;
        let undefined = header.length == u64::from(u32::MAX);
        let remaining = (body.len() - at - header.size) as u64;
        if !undefined && header.length > remaining {
            return Some((format!("({group:04X},{element:04X})"), header.length));
        }
        let walk_into = if group == 0xFFFE {
            if element == 0xE0DD {
                fragments = false;
            }
            !fragments
        } else if undefined {
            if explicit && header.vr == *b"UN" {
                // Its items are in implicit VR (PS3.5 6.2.2): left to the reader.
                return None;
            }
            // A sequence (or, in implicit VR, anything of undefined length) holds items of data
            // sets; any other value of undefined length holds fragments.
            fragments = explicit && header.vr != *b"SQ";
            true
        } else {
            explicit && header.vr == *b"SQ"
        };
        at += header.size;
        if !walk_into && !undefined {
            at += header.length as usize;
        }
    }
    None
}

/// An element's header: its VR (explicit VR only), its declared length and its size in bytes.
struct Header {
    vr: [u8; 2],
    length: u64,
    size: usize,
}

impl Header {
    /// The header at the start of `bytes`; `None` when it is cut short.
    fn read(bytes: &[u8], group: u16, explicit: bool) -> Option<Self> {
        let u32_at = |i: usize| -> Option<u64> {
            let field = bytes.get(i..i + 4)?;
            Some(u64::from(u32::from_le_bytes([
                field[0], field[1], field[2], field[3],
            ])))
        };
        let vr = [*bytes.get(4)?, *bytes.get(5)?];
        if group == 0xFFFE || !explicit {
            return Some(Self {
                vr: *b"  ",
                length: u32_at(4)?,
                size: 8,
            });
        }
        if SHORT_VRS.contains(&vr) {
            let length = u64::from(u16::from_le_bytes([*bytes.get(6)?, *bytes.get(7)?]));
            return Some(Self {
                vr,
                length,
                size: 8,
            });
        }
        Some(Self {
            vr,
            length: u32_at(8)?,
            size: 12,
        })
    }
}

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
        // An unknown VR is read as UN, with a 4-byte length (a fuzzed file made dicom-rs
        // allocate 3.7 GB through one).
        let mut unknown = meta(b"1.2.840.10008.1.2.1\0");
        unknown.extend(long(
            0x0011,
            0x1034,
            [b'L', 0xC4],
            0xAEBC_7D1E,
            &[1, 2, 3, 4],
        ));
        assert_eq!(
            length_past_end(&unknown),
            Some(("(0011,1034)".to_string(), 0xAEBC_7D1E))
        );
        let mut sequence = meta(b"1.2.840.10008.1.2.1\0");
        sequence.extend(long(0x0008, 0x1115, *b"SQ", u32::MAX, &[]));
        assert_eq!(length_past_end(&sequence), None);
    }

    /// An item or delimiter header: (FFFE,element) and a 4-byte length.
    fn item(element: u16, length: u32) -> Vec<u8> {
        let mut bytes = 0xFFFEu16.to_le_bytes().to_vec();
        bytes.extend(element.to_le_bytes());
        bytes.extend(length.to_le_bytes());
        bytes
    }

    #[test]
    fn sequences_are_walked_into_and_fragments_stepped_over() {
        // A sequence of undefined length with one item of undefined length, then an element.
        let sequence = |nested: Vec<u8>, after: Vec<u8>| {
            let mut bytes = meta(b"1.2.840.10008.1.2.1\0");
            bytes.extend(long(0x0008, 0x2112, *b"SQ", u32::MAX, &[]));
            bytes.extend(item(0xE000, u32::MAX));
            bytes.extend(nested);
            bytes.extend(item(0xE00D, 0));
            bytes.extend(item(0xE0DD, 0));
            bytes.extend(after);
            bytes
        };
        let fine = short(0x0008, 0x1150, *b"UI", b"1.2.3\0");
        assert_eq!(length_past_end(&sequence(fine.clone(), fine.clone())), None);
        let lying = long(0x0011, 0x1034, *b"OB", 0x7000_0000, &[1, 2]);
        assert_eq!(
            length_past_end(&sequence(lying.clone(), fine.clone())),
            Some(("(0011,1034)".to_string(), 0x7000_0000))
        );
        assert_eq!(
            length_past_end(&sequence(fine.clone(), lying)),
            Some(("(0011,1034)".to_string(), 0x7000_0000))
        );
        // Encapsulated pixel data: an offset table and a fragment whose bytes look like a lying
        // header are stepped over; a fragment longer than the file is named.
        let mut fragment = long(0x0011, 0x1034, *b"OB", 0x7000_0000, &[]);
        fragment.truncate(12);
        let encapsulated = |fragment_length: u32| {
            let mut bytes = meta(b"1.2.840.10008.1.2.4.70\0");
            bytes.extend(long(0x7FE0, 0x0010, *b"OB", u32::MAX, &[]));
            bytes.extend(item(0xE000, 0));
            bytes.extend(item(0xE000, fragment_length));
            bytes.extend(&fragment);
            bytes.extend(item(0xE0DD, 0));
            bytes
        };
        assert_eq!(length_past_end(&encapsulated(12)), None);
        assert_eq!(
            length_past_end(&encapsulated(0x0100_0000)),
            Some(("(FFFE,E000)".to_string(), 0x0100_0000))
        );
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
