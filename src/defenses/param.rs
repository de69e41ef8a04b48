//! One parameter's range, shared by the defence's validation and the window's slider, so that
//! the two can never disagree.

use std::fmt::Display;
use std::ops::RangeInclusive;

use super::DefenseError;

/// Checks that `value` lies in `range`; the error names the parameter and the range.
///
/// # Errors
/// [`DefenseError::InvalidParameter`] when it does not (NaN never does).
pub fn check<T: PartialOrd + Display + Copy>(
    name: &str,
    value: T,
    range: &RangeInclusive<T>,
) -> Result<(), DefenseError> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(DefenseError::InvalidParameter(format!(
            "{name} {value} is outside {}–{}",
            range.start(),
            range.end()
        )))
    }
}
