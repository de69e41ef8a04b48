//! Where advlens finds what it ships with — the model cards and weights (`assets/`) and the
//! sample scans (`sample_data/`) — at run time, with no path compiled into the binary, so that
//! an installed or copied binary works without the source tree.
//!
//! The search order, first match wins (a folder matches when it holds the resource's marker:
//! `models/` for the assets, `README.md` for the samples):
//! 1. the resource's own variable (`$ADVLENS_ASSETS`, `$ADVLENS_SAMPLE_DATA`);
//! 2. `$ADVLENS_HOME/<folder>`;
//! 3. beside the executable (a portable archive; the program folder on Windows);
//! 4. `<executable>/../share/advlens/<folder>` (a prefix install: `/usr/bin` → `/usr/share`);
//! 5. on macOS, the bundle's `Contents/Resources/<folder>`;
//! 6. `$CARGO_MANIFEST_DIR/<folder>`, read at run time (`cargo run` and `cargo test` set it),
//!    so development from a checkout uses the checkout's models even where a package is
//!    installed;
//! 7. on other Unix systems, the XDG data directories: `$XDG_DATA_HOME/advlens` (default
//!    `~/.local/share/advlens`), then each of `$XDG_DATA_DIRS` (default
//!    `/usr/local/share:/usr/share`) + `/advlens`;
//! 8. `<current directory>/<folder>`.
//!
//! When nothing matches, the error names every place it looked. A variable that is set
//! (step 1) must point at the resource: if it does not, that is the error, rather than a
//! silent fall-through to another copy.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Something advlens ships beside its binary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// `assets/`: the model cards and weights.
    Assets,
    /// `sample_data/`: the bundled scans and their licence notes.
    SampleData,
}

impl Resource {
    /// The folder's name in every location.
    #[must_use]
    pub fn folder(self) -> &'static str {
        match self {
            Self::Assets => "assets",
            Self::SampleData => "sample_data",
        }
    }

    /// The variable that points straight at it.
    #[must_use]
    pub fn variable(self) -> &'static str {
        match self {
            Self::Assets => "ADVLENS_ASSETS",
            Self::SampleData => "ADVLENS_SAMPLE_DATA",
        }
    }

    /// What a folder must hold to count as this resource.
    fn marker(self) -> &'static str {
        match self {
            Self::Assets => "models",
            Self::SampleData => "README.md",
        }
    }

    /// In words, for errors.
    fn describe(self) -> &'static str {
        match self {
            Self::Assets => "model assets",
            Self::SampleData => "sample scans",
        }
    }
}

/// No location held the resource.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "advlens could not find its {} ({}/); it looked in: {}. Set ${} to the folder, or reinstall advlens",
    .resource.describe(),
    .resource.folder(),
    list(.searched),
    .resource.variable()
)]
pub struct ResourceNotFound {
    /// What was looked for.
    pub resource: Resource,
    /// Every place it looked, in order.
    pub searched: Vec<PathBuf>,
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the search reads from the process: its variables, executable and directory. Tests
/// build one by hand.
#[derive(Debug, Clone, Default)]
pub struct SearchContext {
    /// Reads an environment variable.
    pub variables: Vec<(String, OsString)>,
    /// The folder holding the executable.
    pub executable_dir: Option<PathBuf>,
    /// The current directory.
    pub current_dir: Option<PathBuf>,
    /// The user's home (for the XDG defaults).
    pub home: Option<PathBuf>,
}

impl SearchContext {
    /// The running process's context.
    #[must_use]
    pub fn from_process() -> Self {
        let names = [
            Resource::Assets.variable(),
            Resource::SampleData.variable(),
            "ADVLENS_HOME",
            "ADVLENS_DATASETS",
            "XDG_DATA_HOME",
            "XDG_DATA_DIRS",
            "CARGO_MANIFEST_DIR",
        ];
        Self {
            variables: names
                .iter()
                .filter_map(|name| std::env::var_os(name).map(|v| ((*name).to_string(), v)))
                .collect(),
            executable_dir: std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(Path::to_path_buf)),
            current_dir: std::env::current_dir().ok(),
            home: std::env::home_dir(),
        }
    }

    fn variable(&self, name: &str) -> Option<PathBuf> {
        self.variables
            .iter()
            .find(|(key, value)| key == name && !value.is_empty())
            .map(|(_, value)| PathBuf::from(value))
    }

    /// The platform's data directories, each with `advlens` appended.
    fn data_dirs(&self) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if cfg!(all(unix, not(target_os = "macos"))) {
            let data_home = self
                .variable("XDG_DATA_HOME")
                .or_else(|| self.home.as_ref().map(|h| h.join(".local/share")));
            dirs.extend(data_home);
            let shared = self
                .variables
                .iter()
                .find(|(key, value)| key == "XDG_DATA_DIRS" && !value.is_empty())
                .map_or_else(
                    || {
                        vec![
                            PathBuf::from("/usr/local/share"),
                            PathBuf::from("/usr/share"),
                        ]
                    },
                    |(_, value)| std::env::split_paths(value).collect(),
                );
            dirs.extend(shared);
        }
        dirs.into_iter().map(|d| d.join("advlens")).collect()
    }

    /// Every place the resource may be, in search order.
    #[must_use]
    pub fn candidates(&self, resource: Resource) -> Vec<PathBuf> {
        let folder = resource.folder();
        let mut places = Vec::new();
        places.extend(self.variable(resource.variable()));
        places.extend(self.variable("ADVLENS_HOME").map(|h| h.join(folder)));
        if let Some(exe) = &self.executable_dir {
            places.push(exe.join(folder));
            places.push(exe.join("../share/advlens").join(folder));
            if cfg!(target_os = "macos") {
                places.push(exe.join("../Resources").join(folder));
            }
        }
        places.extend(
            self.variable("CARGO_MANIFEST_DIR")
                .map(|dir| dir.join(folder)),
        );
        places.extend(self.data_dirs().into_iter().map(|d| d.join(folder)));
        places.extend(self.current_dir.as_ref().map(|dir| dir.join(folder)));
        places
    }

    /// The first candidate that holds the resource.
    ///
    /// # Errors
    /// [`ResourceNotFound`] naming every candidate.
    pub fn locate(&self, resource: Resource) -> Result<PathBuf, ResourceNotFound> {
        if let Some(pointed) = self.variable(resource.variable()) {
            return if pointed.join(resource.marker()).exists() {
                Ok(pointed)
            } else {
                Err(ResourceNotFound {
                    resource,
                    searched: vec![pointed],
                })
            };
        }
        let searched = self.candidates(resource);
        searched
            .iter()
            .find(|place| place.join(resource.marker()).exists())
            .cloned()
            .ok_or(ResourceNotFound { resource, searched })
    }

    /// The shared training and evaluation data sets, if present: `$ADVLENS_DATASETS` (used
    /// as set: a wrong path is `None`, and the commands then say that no data set was found),
    /// else `../shared/datasets` beside a checkout (`$CARGO_MANIFEST_DIR` at run time, then the
    /// current directory).
    #[must_use]
    pub fn datasets(&self) -> Option<PathBuf> {
        if let Some(dir) = self.variable("ADVLENS_DATASETS") {
            return dir.is_dir().then_some(dir);
        }
        self.variable("CARGO_MANIFEST_DIR")
            .into_iter()
            .chain(self.current_dir.clone())
            .map(|dir| dir.join("../shared/datasets"))
            .find(|dir| dir.is_dir())
    }
}

/// Finds a resource from the running process's context.
///
/// # Errors
/// [`ResourceNotFound`] naming every place it looked.
pub fn locate(resource: Resource) -> Result<PathBuf, ResourceNotFound> {
    SearchContext::from_process().locate(resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_assets(root: &Path) -> PathBuf {
        let dir = root.join("assets");
        std::fs::create_dir_all(dir.join("models")).unwrap();
        dir
    }

    fn context(variables: &[(&str, &Path)]) -> SearchContext {
        SearchContext {
            variables: variables
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.as_os_str().to_owned()))
                .collect(),
            ..SearchContext::default()
        }
    }

    #[test]
    fn each_location_is_found_in_order() {
        let root = tempfile::tempdir().unwrap();
        let pointed = with_assets(&root.path().join("pointed"));
        let home = root.path().join("home");
        let home_assets = with_assets(&home);
        let exe = root.path().join("portable");
        let beside = with_assets(&exe);
        let prefix = root.path().join("usr");
        let bin = prefix.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let shared = with_assets(&prefix.join("share/advlens"));
        let checkout = root.path().join("checkout");
        let dev = with_assets(&checkout);

        let mut ctx = context(&[
            ("ADVLENS_ASSETS", &pointed),
            ("ADVLENS_HOME", &home),
            ("CARGO_MANIFEST_DIR", &checkout),
            ("XDG_DATA_DIRS", &root.path().join("none")),
            ("XDG_DATA_HOME", &root.path().join("none")),
        ]);
        ctx.executable_dir = Some(exe.clone());
        assert_eq!(ctx.locate(Resource::Assets).unwrap(), pointed);
        ctx.variables.retain(|(k, _)| k != "ADVLENS_ASSETS");
        assert_eq!(ctx.locate(Resource::Assets).unwrap(), home_assets);
        ctx.variables.retain(|(k, _)| k != "ADVLENS_HOME");
        assert_eq!(ctx.locate(Resource::Assets).unwrap(), beside);
        ctx.executable_dir = Some(bin);
        assert_eq!(
            ctx.locate(Resource::Assets).unwrap(),
            bin_share(&prefix, &shared)
        );
        ctx.executable_dir = None;
        assert_eq!(ctx.locate(Resource::Assets).unwrap(), dev);
        ctx.variables.clear();
        ctx.current_dir = Some(checkout);
        assert_eq!(ctx.locate(Resource::Assets).unwrap(), dev);
    }

    /// `<prefix>/bin/../share/advlens/assets`, as the search spells it.
    fn bin_share(prefix: &Path, shared: &Path) -> PathBuf {
        assert!(shared.starts_with(prefix));
        prefix.join("bin/../share/advlens/assets")
    }

    #[cfg(all(unix, not(target_os = "macos")))]
    #[test]
    fn the_xdg_data_directories_are_searched() {
        let root = tempfile::tempdir().unwrap();
        let system = root.path().join("system");
        let installed = with_assets(&system.join("advlens"));
        let ctx = context(&[
            ("XDG_DATA_HOME", &root.path().join("user")),
            ("XDG_DATA_DIRS", &system),
        ]);
        assert_eq!(ctx.locate(Resource::Assets).unwrap(), installed);
        // Without the variables: ~/.local/share, then /usr/local/share and /usr/share.
        let defaults = SearchContext {
            home: Some(PathBuf::from("/home/someone")),
            ..SearchContext::default()
        };
        let places = defaults.candidates(Resource::SampleData);
        assert_eq!(
            places,
            vec![
                PathBuf::from("/home/someone/.local/share/advlens/sample_data"),
                PathBuf::from("/usr/local/share/advlens/sample_data"),
                PathBuf::from("/usr/share/advlens/sample_data"),
            ]
        );
    }

    #[test]
    fn a_folder_without_the_marker_does_not_count_and_the_error_lists_every_place() {
        let root = tempfile::tempdir().unwrap();
        let empty = root.path().join("assets");
        std::fs::create_dir_all(&empty).unwrap();
        // A variable pointing at a folder without models/ is the error, even with a good copy
        // elsewhere.
        let elsewhere = with_assets(&root.path().join("good"));
        let mut pointed = context(&[("ADVLENS_ASSETS", &empty)]);
        pointed.current_dir = Some(root.path().join("good"));
        assert!(elsewhere.is_dir());
        let error = pointed.locate(Resource::Assets).unwrap_err();
        assert_eq!(error.searched, vec![empty.clone()]);
        let mut ctx = context(&[
            ("XDG_DATA_DIRS", &root.path().join("none")),
            ("XDG_DATA_HOME", &root.path().join("none")),
        ]);
        ctx.executable_dir = Some(root.path().join("bin"));
        ctx.current_dir = Some(root.path().to_path_buf());
        let error = ctx.locate(Resource::Assets).unwrap_err();
        assert_eq!(error.searched, ctx.candidates(Resource::Assets));
        assert!(error.searched.len() >= 4);
        let message = error.to_string();
        for place in &error.searched {
            assert!(message.contains(&place.display().to_string()), "{message}");
        }
        assert!(message.contains("$ADVLENS_ASSETS"), "{message}");
    }

    #[test]
    fn the_checkout_is_found_while_developing() {
        // `cargo test` sets CARGO_MANIFEST_DIR for the test process, as `cargo run` does.
        let assets = locate(Resource::Assets).unwrap();
        assert!(assets.join("models").is_dir());
        let samples = locate(Resource::SampleData).unwrap();
        assert!(samples.join("chest_xray_normal_2.png").is_file());
    }
}
