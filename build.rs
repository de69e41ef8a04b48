//! Records the commit the binary is built from (`ADVLENS_COMMIT`, for `advlens --version` and
//! the About window): `$ADVLENS_COMMIT` when a packager sets it, else `git rev-parse` when the
//! source is a git checkout, else "unknown".

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo::rerun-if-env-changed=ADVLENS_COMMIT");
    for watched in [".git/HEAD", ".git/refs/heads", ".git/packed-refs"] {
        if Path::new(watched).exists() {
            println!("cargo::rerun-if-changed={watched}");
        }
    }
    let from_git = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty());
    let commit = std::env::var("ADVLENS_COMMIT")
        .ok()
        .filter(|text| !text.trim().is_empty())
        .or(from_git)
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo::rustc-env=ADVLENS_COMMIT={commit}");
}
