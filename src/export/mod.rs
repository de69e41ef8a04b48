//! Files out: 8- and 16-bit PNGs written atomically, colour-mapped perturbation and Grad-CAM
//! images, and the `result.json` of an attack. Nothing here touches the network.

mod colormap;
mod png;
mod report;

pub use colormap::{diverging, gradcam_overlay, viridis};
pub use png::{ExportError, write_atomic, write_grey8, write_grey16, write_rgb8};
pub use report::{AttackReport, PredictionReport, ScanReport};
