//! Reusable widgets: the scan view and the probability bars.

mod path_field;
mod probability_bars;
mod scan_view;

pub use path_field::path_field_ui;
pub use probability_bars::probability_bars_ui;
pub use scan_view::{ViewSources, scan_view_ui};
