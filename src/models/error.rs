//! Errors from building, loading and saving models.

/// What can go wrong with a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// No shipped model has that name.
    #[error("no model named '{name}'; shipped models: {available}")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// The names that exist.
        available: String,
    },
    /// A file could not be read or written.
    #[error(transparent)]
    NotInstalled(#[from] crate::resources::ResourceNotFound),
    /// A file could not be read or written.
    #[error("{action} failed ({reason}): {path}")]
    File {
        /// What we were doing.
        action: &'static str,
        /// Why it failed.
        reason: String,
        /// The file.
        path: String,
    },
    /// The weights do not fit the architecture.
    #[error("the weights do not fit the {arch} architecture ({detail}): {path}")]
    WeightsMismatch {
        /// The architecture.
        arch: String,
        /// Missing, unexpected or mis-shaped tensors.
        detail: String,
        /// The file.
        path: String,
    },
    /// A model card that cannot be parsed.
    #[error("invalid model card ({reason}): {path}")]
    InvalidCard {
        /// Why.
        reason: String,
        /// The file.
        path: String,
    },
    /// A tensor could not be read back from the device.
    #[error("could not read a tensor back from the device: {0}")]
    ReadBack(String),
}

impl ModelError {
    /// The cause in words, without the "could not read a tensor back" prefix of a read-back
    /// failure, for error types that add that prefix themselves.
    #[must_use]
    pub fn reason(&self) -> String {
        match self {
            Self::ReadBack(reason) => reason.clone(),
            other => other.to_string(),
        }
    }
}
