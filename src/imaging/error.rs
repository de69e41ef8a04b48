//! Errors from reading and decoding scans.

/// Everything that can go wrong turning a file into a [`Scan`](super::Scan).
#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    /// The file could not be read.
    #[error("could not read the file: {source}: {path}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Neither an image format we read nor DICOM.
    #[error("not a PNG, JPEG, TIFF or DICOM file: {0}")]
    UnknownFormat(String),
    /// The image decoder failed (corrupt or truncated file).
    #[error("could not decode the image ({reason}): {name}")]
    Decode {
        /// Why.
        reason: String,
        /// The file name.
        name: String,
    },
    /// The file is larger than the limit on what is read at all.
    #[error("the file is larger than the limit ({limit}): {name}")]
    FileTooLarge {
        /// The limit, in words.
        limit: String,
        /// The file.
        name: String,
    },
    /// Decoding the image would need more memory than the decode limits allow.
    #[error("decoding the image would need more than {limit}: {name}")]
    DecodeLimit {
        /// The limit, in words.
        limit: String,
        /// The file name.
        name: String,
    },
    /// The image is larger than the decode limits allow.
    #[error("image of {width}×{height} pixels is larger than the limit ({limit}): {name}")]
    TooLarge {
        /// Width in pixels.
        width: u64,
        /// Height in pixels.
        height: u64,
        /// The limit, in words.
        limit: String,
        /// The file name.
        name: String,
    },
    /// A DICOM transfer syntax we do not decode (JPEG 2000, JPEG-LS…).
    #[error(
        "unsupported DICOM transfer syntax {syntax} ({uid}); supported: uncompressed, deflate, RLE, JPEG baseline/lossless: {name}"
    )]
    UnsupportedTransferSyntax {
        /// Its name.
        syntax: String,
        /// Its UID.
        uid: String,
        /// The file name.
        name: String,
    },
    /// A DICOM object with no Pixel Data element (a report, an RT plan…).
    #[error("this DICOM file has no pixel data (SOP class {sop_class}): {name}")]
    NoPixelData {
        /// The SOP class UID, to tell the user what the file is.
        sop_class: String,
        /// The file name.
        name: String,
    },
    /// The DICOM file could not be parsed or its pixels decoded.
    #[error("could not read DICOM ({reason}): {name}")]
    Dicom {
        /// Why.
        reason: String,
        /// The file name.
        name: String,
    },
    /// The frame asked for does not exist.
    #[error("frame {frame} does not exist; the file has {count} frame(s): {name}")]
    FrameOutOfRange {
        /// The frame asked for (0-based).
        frame: usize,
        /// How many frames there are.
        count: usize,
        /// The file name.
        name: String,
    },
    /// Pixel values that are NaN or infinite.
    #[error("the image holds {count} NaN or infinite values: {name}")]
    NonFinite {
        /// How many.
        count: usize,
        /// The file name.
        name: String,
    },
    /// A pixel layout we do not handle (e.g. a 32-bit integer image).
    #[error("unsupported pixel layout ({0})")]
    UnsupportedLayout(String),
    /// The image has no pixels.
    #[error("the image is empty: {0}")]
    Empty(String),
    /// A window whose width is not positive and finite, or whose centre is not finite.
    #[error(
        "the window (centre {center}, width {width}) cannot be used: its width must be positive and finite and its centre finite"
    )]
    InvalidWindow {
        /// The centre asked for.
        center: f64,
        /// The width asked for.
        width: f64,
    },
    /// The window asked for with a scan cannot be used (see [`Self::InvalidWindow`]).
    #[error("{reason}: {name}")]
    WindowForScan {
        /// Why.
        reason: String,
        /// The scan's name.
        name: String,
    },
    /// Writing an output image failed.
    #[error("could not write the image ({reason}): {path}")]
    Write {
        /// Why.
        reason: String,
        /// Where.
        path: String,
    },
}

/// A decoder's message as one line: real line breaks and the escaped `\n` some decoders put
/// in their `Debug` text become spaces, runs of white space one space, and the ends are
/// trimmed. Every error message that quotes another library goes through it.
#[must_use]
pub fn one_line(text: &str) -> String {
    text.replace("\\n", " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn messages_become_one_line() {
        assert_eq!(
            one_line("I/O errors Generic(\"No more bytes\")\n"),
            "I/O errors Generic(\"No more bytes\")"
        );
        assert_eq!(one_line("a\\nb  c\r\n d"), "a b c d");
    }
}
