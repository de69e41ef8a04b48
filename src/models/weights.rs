//! Weights in and out as safetensors with `PyTorch` names and layouts: linear weights as
//! `[out, in]`, batch-norm `weight`/`bias`/`running_mean`/`running_var`, shortcut projections
//! as `downsample.0` / `downsample.1`. Convolution and linear weights may be stored in half
//! precision; batch-norm statistics always stay in single precision.

use std::path::Path;

use burn::store::{
    BurnToPyTorchAdapter, ChainAdapter, FloatCastAdapter, HalfPrecisionAdapter, ModuleSnapshot,
    PyTorchToBurnAdapter, SafetensorsStore,
};
use burn::tensor::{DType, Device};

use super::{Classifier, ModelError, ModelSpec};

/// Saves weights; `half` stores convolution and linear weights as f16.
///
/// # Errors
/// [`ModelError::File`] when the file cannot be written.
pub fn save_weights(
    model: &Classifier,
    path: &Path,
    half: bool,
    metadata: &[(&str, String)],
) -> Result<(), ModelError> {
    save_module(model, path, half, metadata)
}

/// Saves any network's weights with `PyTorch` names and layouts (see [`save_weights`]).
///
/// # Errors
/// [`ModelError::File`] when the file cannot be written.
pub fn save_module<M: ModuleSnapshot>(
    model: &M,
    path: &Path,
    half: bool,
    metadata: &[(&str, String)],
) -> Result<(), ModelError> {
    let mut store = SafetensorsStore::from_file(path)
        .skip_enum_variants(true)
        .with_key_remapping(r"downsample\.conv\.", "downsample.0.")
        .with_key_remapping(r"downsample\.bn\.", "downsample.1.")
        .overwrite(true);
    store = if half {
        store.with_to_adapter(ChainAdapter::new(
            BurnToPyTorchAdapter,
            HalfPrecisionAdapter::new(),
        ))
    } else {
        store.with_to_adapter(BurnToPyTorchAdapter)
    };
    for (key, value) in metadata {
        store = store.metadata(*key, value.clone());
    }
    model.save_into(&mut store).map_err(|err| ModelError::File {
        action: "saving weights",
        reason: err.to_string(),
        path: path.display().to_string(),
    })
}

/// Loads PyTorch-layout safetensors (f32 or f16) into a new classifier of `spec`.
///
/// `PyTorch`'s `num_batches_tracked` counters are accepted and ignored; any other missing,
/// unexpected or mis-shaped tensor is an error that names it.
///
/// # Errors
/// [`ModelError::File`] for unreadable files, [`ModelError::WeightsMismatch`] for weights of
/// another architecture.
pub fn load_weights(
    spec: &ModelSpec,
    path: &Path,
    device: &Device,
) -> Result<Classifier, ModelError> {
    load_module(spec.init(device), &spec.arch.to_string(), path)
}

/// At most the first 400 characters of a message (Burn lists every mismatched tensor; the
/// first few say what is wrong).
fn shortened(text: &str) -> String {
    match text.char_indices().nth(400) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Loads PyTorch-layout safetensors into `model` (a fresh network of the right shape) with
/// the checks of [`load_weights`]; `arch` names the architecture in errors.
///
/// # Errors
/// As [`load_weights`].
pub fn load_module<M: ModuleSnapshot>(
    mut model: M,
    arch: &str,
    path: &Path,
) -> Result<M, ModelError> {
    let mut store = SafetensorsStore::from_file(path)
        .skip_enum_variants(true)
        .with_key_remapping(r"downsample\.0\.", "downsample.conv.")
        .with_key_remapping(r"downsample\.1\.", "downsample.bn.")
        .with_from_adapter(ChainAdapter::new(
            PyTorchToBurnAdapter,
            FloatCastAdapter::to(DType::F32),
        ))
        .allow_partial(true);
    let mismatch = |detail: String| ModelError::WeightsMismatch {
        arch: arch.to_string(),
        detail,
        path: path.display().to_string(),
    };
    let result = model.load_from(&mut store).map_err(|err| {
        let text = shortened(&err.to_string());
        if path.exists() {
            mismatch(text)
        } else {
            ModelError::File {
                action: "loading weights",
                reason: text,
                path: path.display().to_string(),
            }
        }
    })?;
    if !result.errors.is_empty() {
        return Err(mismatch(format!(
            "{:?}",
            result.errors.iter().take(3).collect::<Vec<_>>()
        )));
    }
    if !result.missing.is_empty() {
        let names: Vec<&str> = result
            .missing
            .iter()
            .take(5)
            .map(|(name, _)| name.as_str())
            .collect();
        return Err(mismatch(format!(
            "{} missing tensors, e.g. {}",
            result.missing.len(),
            names.join(", ")
        )));
    }
    let unexpected: Vec<&String> = result
        .unused
        .iter()
        .filter(|name| !name.ends_with("num_batches_tracked"))
        .collect();
    if !unexpected.is_empty() {
        let names: Vec<&str> = unexpected
            .iter()
            .take(5)
            .map(|name| name.as_str())
            .collect();
        return Err(mismatch(format!(
            "{} unexpected tensors, e.g. {}",
            unexpected.len(),
            names.join(", ")
        )));
    }
    Ok(model)
}
