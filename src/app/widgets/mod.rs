//! Reusable widgets: the scan view, its colour bar and the probability bars.

mod colour_bar;
mod path_field;
mod probability_bars;
mod scan_view;

pub use colour_bar::{ColourScale, colour_bar_ui};
pub use path_field::path_field_ui;
pub use probability_bars::probability_bars_ui;
pub use scan_view::{ViewSources, scan_view_ui};
