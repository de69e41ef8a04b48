//! Scans in: PNG, JPEG and TIFF (8/16-bit grey, RGB, RGBA) and DICOM, decoded into a [`Scan`]
//! that keeps the stored values, the windowed display image and metadata — never patient
//! identifiers. Also the conversion of a scan into a model-input tensor.

mod dicom;
mod dicom_lengths;
mod error;
mod grey_image;
mod guard;
mod limits;
mod load;
mod raster;
mod scan;
mod tensor;
mod window;

pub use error::{ImagingError, one_line};
pub use grey_image::GreyImage;
pub use limits::{MAX_PIXELS, MAX_SIDE};
pub use load::{LoadOptions, load_scan, load_scan_bytes};
pub use scan::{Scan, ScanFormat, ScanMetadata};
pub use tensor::{image_from_tensor, model_input_from_scan, resize_grey, tensor_from_image};
pub use window::Window;
