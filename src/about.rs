//! What this build is and whose work it carries: the version, the commit it was built from,
//! the compute backends compiled in, and the licences and attributions of the data behind the
//! shipped models and the bundled sample scans. `advlens --version` and the window's About
//! box both print this. Also the process's peak memory, which the benchmarks report.

/// The package version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit the binary was built from (12 hex digits), or "unknown" for a build outside a
/// git checkout without `$ADVLENS_COMMIT`.
pub const COMMIT: &str = env!("ADVLENS_COMMIT");

/// The tensor backends compiled in, in the order the device choice tries them.
pub const BACKENDS: [&str; 2] = [
    "Burn wgpu (Vulkan, Metal, DX12: a real GPU)",
    "Burn Flex (CPU, when there is no GPU)",
];

/// A data source, its licence and the attribution it asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribution {
    /// What it is used for.
    pub used_for: &'static str,
    /// The source, as it asks to be cited.
    pub source: &'static str,
    /// Its licence.
    pub licence: &'static str,
}

/// The data behind the shipped models and the bundled scans (the full list, file by file, is
/// in `sample_data/README.md` and each model's card).
pub const ATTRIBUTIONS: [Attribution; 4] = [
    Attribution {
        used_for: "chest X-ray models (training) and the six bundled chest X-rays",
        source: "D. Kermany, K. Zhang, M. Goldbaum, Labeled Optical Coherence Tomography (OCT) and Chest X-Ray Images for Classification, Mendeley Data v2 (2018), doi:10.17632/rscbjbr9sj.2",
        licence: "CC BY 4.0",
    },
    Attribution {
        used_for: "brain MRI models (training)",
        source: "M. Nickparvar, Brain Tumor MRI Dataset, Kaggle (2021), doi:10.34740/KAGGLE/DSV/2645886 (credit also Cheng et al.)",
        licence: "CC0 1.0",
    },
    Attribution {
        used_for: "the bundled DICOM files",
        source: "pydicom 3.0.2 test files and pydicom-data 1.0.0",
        licence: "MIT (see sample_data/README.md for each file)",
    },
    Attribution {
        used_for: "the shipped model weights",
        source: "trained by advlens's own `advlens train` on the data above; see each model's card",
        licence: "as the data they were trained on",
    },
];

/// `advlens 0.1.0 (commit 0123456789ab)`.
#[must_use]
pub fn version_line() -> String {
    format!("advlens {VERSION} (commit {COMMIT})")
}

/// The long version (`advlens --version`): version and commit, then the backends.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ADVLENS_COMMIT"),
    ")\nbackends:\n  Burn wgpu (Vulkan, Metal, DX12: a real GPU)\n  Burn Flex (CPU, when there is no GPU)"
);

/// This process's peak resident memory in MiB (`VmHWM` of `/proc/self/status`; `None` where
/// there is no such file).
#[must_use]
pub fn peak_resident_mib() -> Option<f64> {
    process_status_mib("VmHWM:")
}

/// This process's resident memory now, in MiB (`VmRSS`; `None` where there is no such file).
#[must_use]
pub fn resident_mib() -> Option<f64> {
    process_status_mib("VmRSS:")
}

/// One kB field of `/proc/self/status`, in MiB.
fn process_status_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_names_the_commit_and_the_backends() {
        assert!(version_line().starts_with(&format!("advlens {VERSION} (commit ")));
        assert!(
            COMMIT == "unknown" || COMMIT.chars().all(|c| c.is_ascii_hexdigit()),
            "{COMMIT}"
        );
        assert!(LONG_VERSION.starts_with(&format!("{VERSION} (commit {COMMIT})")));
        for backend in BACKENDS {
            assert!(LONG_VERSION.contains(backend), "{LONG_VERSION}");
        }
    }
}
