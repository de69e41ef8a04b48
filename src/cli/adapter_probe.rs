//! Listing the graphics adapters without false error lines. Without a usable
//! `XDG_RUNTIME_DIR` (a server, a container, CI), the Wayland client library that Mesa's
//! Vulkan driver loads prints `error: XDG_RUNTIME_DIR is invalid or not set` while wgpu lists
//! adapters, although nothing failed. A process cannot change its own environment safely, so
//! the listing then runs in a child process (`advlens __probe-adapters`) with a private
//! runtime folder, and only its adapter lines are read back.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use advlens::device::{AdapterSummary, list_adapters, runtime_dir_is_usable};

/// The hidden subcommand the child runs.
pub const PROBE_COMMAND: &str = "__probe-adapters";

/// Prints one line per adapter (the child's side).
pub fn print_adapters() {
    for adapter in list_adapters() {
        println!("{}", adapter.to_line());
    }
}

/// The adapters, listed in this process when that is quiet and in a child otherwise. If the
/// child cannot be started at all, this process lists them; if it starts but fails (a driver
/// crash), no adapter is trusted and the CPU is used.
#[must_use]
pub fn quiet_adapters() -> Vec<AdapterSummary> {
    if runtime_dir_is_usable() {
        return list_adapters();
    }
    probe_in_child().unwrap_or_else(list_adapters)
}

/// `None` when the child could not be started; an empty list when it failed.
fn probe_in_child() -> Option<Vec<AdapterSummary>> {
    let exe = std::env::current_exe().ok()?;
    let runtime = PrivateDir::create()?;
    let output = Command::new(exe)
        .arg(PROBE_COMMAND)
        .env("XDG_RUNTIME_DIR", &runtime.0)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return Some(Vec::new());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Some(text.lines().filter_map(AdapterSummary::from_line).collect())
}

/// A folder only this user can enter, removed when dropped.
struct PrivateDir(PathBuf);

impl PrivateDir {
    fn create() -> Option<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path =
            std::env::temp_dir().join(format!("advlens-runtime-{}-{nanos}", std::process::id()));
        // A fresh folder, never one that someone else made.
        std::fs::create_dir(&path).ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).ok()?;
        }
        Some(Self(path))
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        // Best effort: a leftover empty folder in the temporary directory harms nothing.
        let _removed = std::fs::remove_dir_all(&self.0).is_ok();
    }
}
