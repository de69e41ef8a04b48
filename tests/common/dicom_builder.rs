//! Grey DICOM files for the tests, built with dicom-object: a 16-bit MONOCHROME2 image of any
//! size with extra elements on top (or some left out), in any transfer syntax.

#![allow(dead_code)]

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

/// The pixels of a grey DICOM: `width × height` 16-bit samples, `bits_stored` of them used.
pub struct GreyPixels {
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
    /// Bits stored (12 for a CT-like file, 16 for a full-range one).
    pub bits_stored: u16,
    /// Row-major samples.
    pub samples: Vec<u16>,
}

/// The bytes of a DICOM file of `pixels` with `elements` put on top of the minimal header and
/// the tags in `skip` left out, in transfer syntax `syntax`.
pub fn grey_dicom(
    pixels: GreyPixels,
    elements: Vec<DataElement<InMemDicomObject>>,
    syntax: &str,
    skip: &[dicom_core::Tag],
) -> Vec<u8> {
    let us = |tag, value: u16| DataElement::new(tag, VR::US, PrimitiveValue::from(value));
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
        us(tags::SAMPLES_PER_PIXEL, 1),
        DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from("MONOCHROME2"),
        ),
        us(tags::ROWS, pixels.height),
        us(tags::COLUMNS, pixels.width),
        us(tags::BITS_ALLOCATED, 16),
        us(tags::BITS_STORED, pixels.bits_stored),
        us(tags::HIGH_BIT, pixels.bits_stored - 1),
        us(tags::PIXEL_REPRESENTATION, 0),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(pixels.samples.into()),
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
