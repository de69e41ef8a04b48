//! Labelled images to evaluate on: a data-set split, or a folder with one sub-folder per
//! class (named like the model's classes).

use std::path::{Path, PathBuf};

use super::EvalError;
use crate::datasets::{LabelledImages, load_dataset, shared_datasets_dir};
use crate::models::LoadedModel;

/// Where labelled scans come from: a folder with one sub-folder per class, or a split of the
/// model's data set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSource {
    /// A folder with one sub-folder per class (named like the model's classes).
    pub data: Option<PathBuf>,
    /// The data-set folder (default `$ADVLENS_DATASETS` or `../shared/datasets`).
    pub datasets: Option<PathBuf>,
    /// test, val or train.
    pub split: String,
    /// The first N scans only.
    pub limit: Option<usize>,
}

impl ImageSource {
    /// The scans at `model`'s input size, labelled with its classes.
    ///
    /// # Errors
    /// [`EvalError`] when the folder or the data set cannot be read, or there is none.
    pub fn load_for(&self, model: &LoadedModel) -> Result<LabelledImages, EvalError> {
        let spec = model.card.spec;
        if let Some(folder) = &self.data {
            return images_from_folder(folder, &model.card.classes, spec.input_size, self.limit);
        }
        let root = self
            .datasets
            .clone()
            .or_else(shared_datasets_dir)
            .ok_or_else(|| {
                EvalError::Other(
                    "no data-set folder: choose a folder of labelled scans, or set ADVLENS_DATASETS"
                        .to_string(),
                )
            })?;
        let dataset = load_dataset(&root, spec.task.dataset_file())
            .map_err(|err| EvalError::Other(err.to_string()))?;
        let split = match self.split.as_str() {
            "train" => &dataset.train,
            "val" => &dataset.val,
            _ => &dataset.test,
        };
        images_from_split(split, spec.input_size, self.limit)
    }
}
use crate::imaging::{LoadOptions, load_scan, resize_grey};

/// The first `limit` images of a data-set split (which must already be `size × size`).
///
/// # Errors
/// [`EvalError::Other`] when the split's images are not the model's input size.
pub fn images_from_split(
    split: &LabelledImages,
    size: usize,
    limit: Option<usize>,
) -> Result<LabelledImages, EvalError> {
    if split.height != size || split.width != size {
        return Err(EvalError::Other(format!(
            "the split's images are {}×{}, the model expects {size}×{size}",
            split.width, split.height
        )));
    }
    Ok(split.first(limit))
}

/// Every readable scan in `folder/<class>/`, resized to `size`; classes are matched to
/// `classes` ignoring case. Files are taken in name order, then the first `limit` are kept
/// after interleaving classes (so a limit keeps every class represented).
///
/// # Errors
/// [`EvalError`] when the folder has no class sub-folder, a sub-folder names no class, or a
/// scan cannot be read.
pub fn images_from_folder(
    folder: &Path,
    classes: &[String],
    size: usize,
    limit: Option<usize>,
) -> Result<LabelledImages, EvalError> {
    let io = |err: std::io::Error| EvalError::Other(format!("{}: {err}", folder.display()));
    let mut per_class: Vec<Vec<std::path::PathBuf>> = vec![Vec::new(); classes.len()];
    for entry in std::fs::read_dir(folder).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if !path.is_dir() {
            continue;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let class = classes
            .iter()
            .position(|c| c.to_lowercase() == name)
            .ok_or_else(|| {
                EvalError::Other(format!(
                    "sub-folder '{name}' is not one of the model's classes ({})",
                    classes.join(", ")
                ))
            })?;
        let mut files: Vec<_> = std::fs::read_dir(&path)
            .map_err(io)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        per_class[class] = files;
    }
    let mut order = Vec::new();
    let longest = per_class.iter().map(Vec::len).max().unwrap_or(0);
    for index in 0..longest {
        for (class, files) in per_class.iter().enumerate() {
            if let Some(file) = files.get(index) {
                order.push((class, file.clone()));
            }
        }
    }
    order.truncate(limit.unwrap_or(usize::MAX));
    if order.is_empty() {
        return Err(EvalError::Other(format!(
            "{} has no images in class sub-folders ({})",
            folder.display(),
            classes.join(", ")
        )));
    }
    let mut pixels = Vec::with_capacity(order.len() * size * size);
    let mut labels = Vec::with_capacity(order.len());
    for (class, file) in order {
        let scan = load_scan(&file, &LoadOptions::default())?;
        pixels.extend(resize_grey(&scan.display, size, size).pixels);
        labels.push(class);
    }
    Ok(LabelledImages::from_unit(
        pixels,
        labels,
        [size, size],
        &folder.display().to_string(),
    ))
}
