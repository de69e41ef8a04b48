//! The window's panels: controls (left), numbers (right), views (centre), status line
//! (bottom), the help overlay and the About window.

mod about;
mod attack_controls;
mod attack_parameters;
mod compare_views;
mod controls;
mod dataset;
mod defense_controls;
mod defense_numbers;
mod explain_controls;
mod faithfulness_plot;
mod help;
mod history_strip;
mod lecture_bar;
mod numbers;
mod region_controls;
mod sanity_plot;
pub(crate) mod scan_controls;
mod segmentation;
mod status_bar;
mod sweep_plot;
mod views;

pub use about::about_ui;
pub use controls::controls_ui;
pub use dataset::{ThumbnailCache, dataset_ui};
pub use help::help_ui;
pub use history_strip::{HistoryPictures, history_strip_ui};
pub use lecture_bar::lecture_bar_ui;
pub use numbers::numbers_ui;
pub use segmentation::{SegmentationPictures, segmentation_ui};
pub use status_bar::status_bar_ui;
pub use sweep_plot::sweep_strip_ui;
pub use views::{sweep_fits_in_grid, views_ui};
