//! How the window is started: the choices a caller makes that are not settings.

use std::path::PathBuf;

use super::{SmokeTest, SoakTest};
use crate::device::DevicePreference;

/// Start-up choices that are not settings.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    /// Compute device preference.
    pub device: DevicePreference,
    /// A scan to open instead of the bundled one.
    pub scan: Option<PathBuf>,
    /// A shipped model to start with instead of the saved (or default) one.
    pub model: Option<String>,
    /// Ignore stored settings (tests, reproducible demos).
    pub fresh_settings: bool,
    /// Run the smoke test (screenshot after the first result, then quit).
    pub smoke: Option<SmokeTest>,
    /// Run the soak test (drive the window for a while, write a report, then quit).
    pub soak: Option<SoakTest>,
    /// A device already started (shared with the window's wgpu); else one is chosen from
    /// `device` on the worker thread.
    pub shared_device: Option<crate::device::ComputeDevice>,
    /// Said in the banner at start: why the window runs on the CPU although a GPU exists.
    pub device_notice: Option<String>,
}
