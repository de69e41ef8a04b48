//! Files out: 8- and 16-bit PNGs written atomically, colour-mapped perturbation and Grad-CAM
//! images, and the `result.json` of an attack. Nothing here touches the network.

mod animation;
mod atlas;
mod attack_animation;
mod colormap;
mod eval_report;
mod figure;
mod file_set;
mod png;
mod report;
mod result_images;
mod segmentation_figure;
mod segmentation_files;
mod tile;
mod views;

pub use animation::{AnimationInput, animation_frame_size, count_gif_frames, write_animation_gif};
pub use atlas::{AtlasInput, explanation_atlas_figure};
pub use attack_animation::{AnimationError, AnimationSettings, write_attack_animation};
pub use colormap::{ColorMode, diverging, gradcam_overlay, shade, viridis};
pub use eval_report::{
    EvalReportInput, FRAGILE_SHOWN, ScanThumbnails, accuracy_curves, confusion_chart,
    eval_report_html, flip_histogram_chart, public_source, scan_csv, scan_thumbnails,
    write_eval_report,
};
pub use figure::{FigureInput, comparison_figure};
pub use file_set::write_file_set;
pub use png::{
    ExportError, grey16_png_bytes, rgb_png_bytes, write_atomic, write_grey8, write_grey16,
    write_rgb8,
};
pub use report::{AttackReport, DefendedReport, PredictionReport, ScanReport};
pub use result_images::write_result_images;
pub use segmentation_figure::{SegmentationPanel, segmentation_figure, segmentation_panels};
pub use segmentation_files::{SegmentationReport, write_segmentation_files};
pub use views::{ViewKind, perturbation_scale};
