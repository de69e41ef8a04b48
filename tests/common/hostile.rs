//! Hostile files, made here from code (never by hand): raster files with lying headers, odd
//! sizes, odd bit depths and NaNs; DICOM files with missing, contradictory or absurd tags;
//! weights and cards that lie. Each comes with what is wrong with it, for the messages.

#![allow(dead_code)]

/// One hostile file: its name, its bytes, and what is wrong with it.
pub struct Hostile {
    /// File name (the extension matters to the loader).
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// What is wrong, in words.
    pub what: &'static str,
}

/// A hostile file.
pub fn hostile(name: &str, bytes: Vec<u8>, what: &'static str) -> Hostile {
    Hostile {
        name: name.to_string(),
        bytes,
        what,
    }
}

/// Every hostile scan: raster files, then DICOM files.
pub fn hostile_scans() -> Vec<Hostile> {
    let mut list = crate::hostile_raster::raster_scans();
    list.extend(crate::hostile_dicom::dicom_scans());
    list
}
