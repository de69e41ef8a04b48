//! Reading the `.npz` data sets.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use npyz::npz::NpzArchive;
use sha2::{Digest, Sha256};

use super::LabelledImages;

/// Errors from reading a data set.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file could not be read.
    #[error("could not read the data set ({reason}): {path}")]
    Io {
        /// Why.
        reason: String,
        /// The file.
        path: String,
    },
    /// An array is missing or has the wrong shape.
    #[error("the data set is not in the expected layout ({reason}): {path}")]
    Layout {
        /// What is wrong.
        reason: String,
        /// The file.
        path: String,
    },
}

/// A data set: three splits and where they came from.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Training split.
    pub train: LabelledImages,
    /// Validation split.
    pub val: LabelledImages,
    /// Test split.
    pub test: LabelledImages,
    /// Path relative to the data-set folder.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
}

impl Dataset {
    /// A split by name (`train`, `val`, `test`).
    #[must_use]
    pub fn split(&self, name: &str) -> Option<&LabelledImages> {
        match name {
            "train" => Some(&self.train),
            "val" | "validation" => Some(&self.val),
            "test" => Some(&self.test),
            _ => None,
        }
    }
}

/// `$ADVLENS_DATASETS`, else `../shared/datasets` beside a checkout, if it exists (found at
/// run time: `crate::resources::SearchContext::datasets`).
#[must_use]
pub fn shared_datasets_dir() -> Option<PathBuf> {
    crate::resources::SearchContext::from_process().datasets()
}

/// SHA-256 of a file, as lowercase hex.
///
/// # Errors
/// [`DatasetError::Io`].
pub fn sha256_file(path: &Path) -> Result<String, DatasetError> {
    let io_error = |err: std::io::Error| DatasetError::Io {
        reason: err.to_string(),
        path: path.display().to_string(),
    };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let read = file.read(&mut buffer).map_err(io_error)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// Opens an `.npz` archive, naming the file in the error.
///
/// # Errors
/// [`DatasetError::Io`].
pub(crate) fn open_archive(path: &Path) -> Result<NpzArchive<BufReader<File>>, DatasetError> {
    NpzArchive::open(path).map_err(|err| DatasetError::Io {
        reason: err.to_string(),
        path: path.display().to_string(),
    })
}

/// Reads a `uint8 (N, H, W)` array: its values and `[N, H, W]`.
///
/// # Errors
/// [`DatasetError::Layout`] when it is missing, of another shape or another type.
pub(crate) fn read_grey_stack(
    archive: &mut NpzArchive<BufReader<File>>,
    name: &str,
    display: &str,
) -> Result<(Vec<u8>, [usize; 3]), DatasetError> {
    let layout = |reason: String| DatasetError::Layout {
        reason,
        path: display.to_string(),
    };
    let array = archive
        .by_name(name)
        .map_err(|err| layout(err.to_string()))?
        .ok_or_else(|| layout(format!("no {name} array")))?;
    let shape = array.shape().to_vec();
    let [count, height, width] = shape[..] else {
        return Err(layout(format!(
            "{name} has shape {shape:?}, expected (N, H, W)"
        )));
    };
    let values: Vec<u8> = array.into_vec().map_err(|err| layout(err.to_string()))?;
    let dims = [count as usize, height as usize, width as usize];
    if values.len() != dims.iter().product::<usize>() {
        return Err(layout(format!(
            "{name} holds fewer values than its shape says"
        )));
    }
    Ok((values, dims))
}

/// Loads `relative` (e.g. `chest_xray_pneumonia_128/chest_xray_pneumonia_128.npz`) from `root`.
///
/// # Errors
/// [`DatasetError`] when the file is missing or not in the expected layout.
pub fn load_dataset(root: &Path, relative: &str) -> Result<Dataset, DatasetError> {
    let path = root.join(relative);
    let display = path.display().to_string();
    let mut archive = open_archive(&path)?;
    let mut read_split = |name: &str| -> Result<LabelledImages, DatasetError> {
        let (images, [count, height, width]) =
            read_grey_stack(&mut archive, &format!("{name}_images"), &display)?;
        let layout = |reason: String| DatasetError::Layout {
            reason,
            path: display.clone(),
        };
        let labels: Vec<u8> = archive
            .by_name(&format!("{name}_labels"))
            .map_err(|err| layout(err.to_string()))?
            .ok_or_else(|| layout(format!("no {name}_labels array")))?
            .into_vec()
            .map_err(|err| layout(err.to_string()))?;
        if labels.len() != count {
            return Err(layout(format!(
                "{name}: {count} images but {} labels",
                labels.len()
            )));
        }
        Ok(LabelledImages::from_grey8(
            images,
            labels.into_iter().map(usize::from).collect(),
            [height, width],
            &format!("the {name} split of {relative}"),
        ))
    };
    let train = read_split("train")?;
    let val = read_split("val")?;
    let test = read_split("test")?;
    Ok(Dataset {
        train,
        val,
        test,
        file: relative.to_string(),
        sha256: sha256_file(&path)?,
    })
}
