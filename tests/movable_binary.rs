#![cfg(unix)]

//! The binary finds its resources at run time, not through a path compiled in: it holds no
//! trace of the source tree's path; a copy in a folder with no checkout above it fails with an
//! error naming every place it looked, and works once `assets/` and `sample_data/` sit beside
//! it (the portable layout) or under `share/advlens` of its prefix (the installed layout).

use std::io::ErrorKind;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

/// Runs a copied binary. Tests run on threads of one process, so a child forked by one test
/// can still hold the write handle of another test's fresh copy for the instant before its
/// `exec` closes it; `exec` of that copy then fails with "text file busy" (ETXTBSY). That is
/// the test harness racing itself, not the binary, so the run is tried again briefly.
fn output_of(command: &mut Command) -> Output {
    for _ in 0..100 {
        match command.output() {
            Err(error) if error.kind() == ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other.unwrap(),
        }
    }
    panic!("the copied binary stayed busy for two seconds");
}

/// [`output_of`], asserting success and showing standard error otherwise.
fn run_ok(command: &mut Command) -> Output {
    let output = output_of(command);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The release binary copied into `folder`, run with no checkout in reach: no cargo
/// variables, no advlens variables, XDG pointing at empty folders, the folder as the
/// current directory.
fn copied_binary(folder: &Path, bin: &Path) -> Command {
    std::fs::create_dir_all(bin).unwrap();
    let copy = bin.join("advlens");
    if !copy.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_advlens"), &copy).unwrap();
    }
    let mut command = Command::new(copy);
    command
        .current_dir(folder)
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("ADVLENS_ASSETS")
        .env_remove("ADVLENS_SAMPLE_DATA")
        .env_remove("ADVLENS_HOME")
        .env_remove("ADVLENS_DATASETS")
        .env("HOME", folder)
        .env("XDG_DATA_HOME", folder.join("no-data-home"))
        .env("XDG_DATA_DIRS", folder.join("no-data-dirs"));
    command
}

fn link_resources(into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR"));
    for folder in ["assets", "sample_data"] {
        std::os::unix::fs::symlink(checkout.join(folder), into.join(folder)).unwrap();
    }
}

#[test]
fn the_binary_holds_no_path_of_the_source_tree() {
    if cfg!(debug_assertions) {
        // A debug build's line tables name the checkout (DWARF's compile directory); what
        // ships is the release build, which the README's test command builds.
        eprintln!("skipped: only a release build is checked");
        return;
    }
    let binary = std::fs::read(env!("CARGO_BIN_EXE_advlens")).unwrap();
    let tree = env!("CARGO_MANIFEST_DIR").as_bytes();
    assert!(
        !binary.windows(tree.len()).any(|window| window == tree),
        "the binary contains {}",
        env!("CARGO_MANIFEST_DIR")
    );
}

#[test]
fn a_copied_binary_says_where_it_looked_then_runs_from_the_portable_layout() {
    let folder = tempfile::tempdir().unwrap();
    let portable = folder.path().join("advlens-portable");
    let output = output_of(copied_binary(folder.path(), &portable).arg("models"));
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("could not find its model assets"), "{error}");
    assert!(
        error.contains(&portable.join("assets").display().to_string()),
        "{error}"
    );
    assert!(error.contains("$ADVLENS_ASSETS"), "{error}");
    link_resources(&portable);
    let listed = run_ok(copied_binary(folder.path(), &portable).arg("models"));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("chest-xray-cnn"));
    let out = folder.path().join("out");
    run_ok(
        copied_binary(folder.path(), &portable)
            .args(["attack", "--attack", "fgsm", "--device", "cpu", "--out"])
            .arg(&out)
            .arg("--scan")
            .arg(portable.join("sample_data/chest_xray_normal_1.png")),
    );
    assert!(out.join("result.json").is_file());
}

#[test]
fn an_installed_binary_finds_share_advlens_of_its_prefix() {
    let folder = tempfile::tempdir().unwrap();
    let prefix = folder.path().join("usr");
    link_resources(&prefix.join("share/advlens"));
    let listed = run_ok(copied_binary(folder.path(), &prefix.join("bin")).arg("models"));
    assert!(String::from_utf8_lossy(&listed.stdout).contains("brain-mri-cnn"));
}
