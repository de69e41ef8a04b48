//! A set of export files written all or nothing: every file goes into a hidden staging folder
//! inside the destination, and only when all of them are written are they renamed into place.
//! A read-only or full destination, or any failed file, leaves the destination as it was (no
//! partial file, no half of a set), and the error names the destination, not the staging
//! folder.

use std::path::Path;

use super::ExportError;

/// Writes a set of files into `folder` (created if needed): `write` writes them into the
/// staging folder it is given; when it succeeds they are moved into `folder`, replacing files
/// of the same name; when it fails nothing of it stays behind.
///
/// # Errors
/// [`ExportError::Write`] from `write`, or when the folder cannot be created or written.
pub fn write_file_set<T>(
    folder: &Path,
    write: impl FnOnce(&Path) -> Result<T, ExportError>,
) -> Result<T, ExportError> {
    let folder_error = |err: std::io::Error| ExportError::Write {
        reason: err.to_string(),
        path: folder.display().to_string(),
    };
    std::fs::create_dir_all(folder).map_err(folder_error)?;
    let staging = folder.join(format!(".advlens-export-{}.partial", std::process::id()));
    // A staging folder left by a process that was killed mid-export is stale.
    let _stale = std::fs::remove_dir_all(&staging);
    std::fs::create_dir(&staging).map_err(folder_error)?;
    let outcome = write(&staging)
        .map_err(|err| err.relocated(&staging, folder))
        .and_then(|value| publish(&staging, folder).map(|()| value));
    let _cleaned = std::fs::remove_dir_all(&staging);
    outcome
}

/// Moves every file of `staging` into `folder`.
fn publish(staging: &Path, folder: &Path) -> Result<(), ExportError> {
    let entries = std::fs::read_dir(staging).map_err(|err| ExportError::Write {
        reason: err.to_string(),
        path: folder.display().to_string(),
    })?;
    for entry in entries {
        let entry = entry.map_err(|err| ExportError::Write {
            reason: err.to_string(),
            path: folder.display().to_string(),
        })?;
        let destination = folder.join(entry.file_name());
        std::fs::rename(entry.path(), &destination).map_err(|err| ExportError::Write {
            reason: err.to_string(),
            path: destination.display().to_string(),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(folder)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_set_that_succeeds_lands_whole_and_replaces_older_files() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("a.txt"), "old").unwrap();
        let count = write_file_set(folder.path(), |staging| {
            std::fs::write(staging.join("a.txt"), "new").unwrap();
            std::fs::write(staging.join("b.txt"), "b").unwrap();
            Ok(2)
        })
        .unwrap();
        assert_eq!(count, 2);
        assert_eq!(names(folder.path()), ["a.txt", "b.txt"]);
        assert_eq!(
            std::fs::read_to_string(folder.path().join("a.txt")).unwrap(),
            "new"
        );
    }

    #[test]
    fn a_set_that_fails_half_way_leaves_the_folder_as_it_was_and_names_it() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join("a.txt"), "old").unwrap();
        let err = write_file_set(folder.path(), |staging| -> Result<(), ExportError> {
            std::fs::write(staging.join("a.txt"), "new").unwrap();
            Err(ExportError::Write {
                reason: "No space left on device".to_string(),
                path: staging.join("b.txt").display().to_string(),
            })
        })
        .unwrap_err()
        .to_string();
        assert_eq!(names(folder.path()), ["a.txt"]);
        assert_eq!(
            std::fs::read_to_string(folder.path().join("a.txt")).unwrap(),
            "old"
        );
        assert!(
            err.contains(&folder.path().join("b.txt").display().to_string()),
            "{err}"
        );
        assert!(!err.contains(".partial"), "{err}");
    }
}
