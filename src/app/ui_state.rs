//! The window's own state, which no engine value depends on: the views' zoom and probe, the
//! uploaded images and the renderer, the help overlay, the typed-in paths and an open file
//! dialog.

use eframe::egui;

use super::commands::Tab;
use super::dialogs::PendingDialog;
use super::panels::{HistoryPictures, SegmentationPictures, ThumbnailCache};
use super::view_images::{ViewImages, ViewRenderer};
use super::view_state::ViewState;

/// Text typed into the path fields.
#[derive(Debug, Default)]
pub struct TextFields {
    /// A scan path.
    pub path: String,
    /// A weights path.
    pub weights: String,
    /// An export folder.
    pub export: String,
}

/// The extras the user opened on top of the views.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ShownExtras {
    /// The keyboard help.
    pub help: bool,
    /// The About window.
    pub about: bool,
    /// The history strip.
    pub history: bool,
}

/// Where the last frame put the centre and its views (tests check that nothing is clipped and
/// how much of the centre the views cover).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LayoutRecord {
    /// The central area the views share.
    pub centre: Option<egui::Rect>,
    /// Each view drawn.
    pub views: Vec<egui::Rect>,
    /// The ε-sweep plot, when drawn.
    pub sweep_plot: Option<egui::Rect>,
    /// Each tile of the centre's grid: a view with its title, and the sweep when it takes the
    /// grid's spare tile.
    pub tiles: Vec<egui::Rect>,
}

/// The window's state.
pub struct UiState {
    /// Zoom, pan and the pixel probe of the views.
    pub view: ViewState,
    /// How the views are drawn (the WGSL colour map, or CPU textures).
    pub renderer: ViewRenderer,
    /// The images uploaded for the current result.
    pub images: ViewImages,
    /// The images uploaded for the pinned result (compare mode).
    pub pinned_images: ViewImages,
    /// Which of the help, About and history are open.
    pub shown: ShownExtras,
    /// Whether the controls panel is shown in presentation mode (always shown otherwise).
    pub controls_in_presentation: bool,
    /// Typed-in paths.
    pub fields: TextFields,
    /// An open file dialog, if any.
    pub dialog: Option<PendingDialog>,
    /// Whether the user was told that no file dialog can be shown here (said once).
    pub told_no_dialog: bool,
    /// The history strip's uploaded pictures, and the entries they show.
    pub history_pictures: HistoryPictures,
    /// The view shown: the workbench, the data set or segmentation.
    pub tab: Tab,
    /// The failure gallery's uploaded thumbnails.
    pub thumbnails: ThumbnailCache,
    /// The segmentation view's uploaded pictures.
    pub segmentation_pictures: SegmentationPictures,
    /// Where the last frame drew the views.
    pub layout: LayoutRecord,
}

impl UiState {
    /// The state at start-up.
    #[must_use]
    pub fn new(renderer: ViewRenderer) -> Self {
        Self {
            view: ViewState::default(),
            renderer,
            images: ViewImages::default(),
            pinned_images: ViewImages::pinned(),
            shown: ShownExtras::default(),
            controls_in_presentation: false,
            fields: TextFields::default(),
            dialog: None,
            told_no_dialog: false,
            history_pictures: HistoryPictures::default(),
            tab: Tab::Workbench,
            thumbnails: ThumbnailCache::default(),
            segmentation_pictures: SegmentationPictures::default(),
            layout: LayoutRecord::default(),
        }
    }
}
