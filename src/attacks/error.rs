//! Errors from attacks.

/// What can go wrong running an attack.
#[derive(Debug, thiserror::Error)]
pub enum AttackError {
    /// ε is negative, not finite or above 1.
    #[error("epsilon must be a number in [0, 1] (or k/255), got '{0}'")]
    InvalidEpsilon(String),
    /// A parameter outside its range.
    #[error("invalid attack parameter: {0}")]
    InvalidParameter(String),
    /// A target class that does not exist.
    #[error("target class {class} does not exist; the model has {classes} classes")]
    InvalidTarget {
        /// The class asked for.
        class: usize,
        /// How many there are.
        classes: usize,
    },
    /// Autodiff returned no gradient for the input.
    #[error("no gradient reached the input image")]
    NoGradient,
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
    /// The defence an adaptive attack goes through failed.
    #[error("the defence failed during an adaptive attack: {0}")]
    Defense(String),
    /// A tensor could not be read back from the device.
    #[error("could not read a tensor back from the device: {0}")]
    ReadBack(String),
}
