//! Explanations: Grad-CAM (Selvaraju et al. 2017) on the last convolutional block.

mod gradcam;

pub use gradcam::{ExplainError, grad_cam};
