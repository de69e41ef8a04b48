//! ε as users write it: a number on the [0, 1] scale (`0.0314`) or in 1/255 units (`8/255`).

use super::{AttackError, Norm};

/// Parses `"8/255"`, `"8 / 255"`, `"0.03"` or `"0"`.
///
/// # Errors
/// [`AttackError::InvalidEpsilon`] for text that is not a number in [0, 1].
pub fn parse_epsilon(text: &str) -> Result<f64, AttackError> {
    let invalid = || AttackError::InvalidEpsilon(text.to_string());
    let value = match text.split_once('/') {
        Some((numerator, denominator)) => {
            let numerator: f64 = numerator.trim().parse().map_err(|_| invalid())?;
            let denominator: f64 = denominator.trim().parse().map_err(|_| invalid())?;
            if denominator == 0.0 {
                return Err(invalid());
            }
            numerator / denominator
        }
        None => text.trim().parse().map_err(|_| invalid())?,
    };
    if value.is_finite() && (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(invalid())
    }
}

/// Writes ε in /255 units when it is a whole number of them, else as a decimal.
#[must_use]
pub fn format_epsilon(epsilon: f64) -> String {
    let in_255 = epsilon * 255.0;
    if (in_255 - in_255.round()).abs() < 1e-6 {
        format!("{}/255", in_255.round())
    } else {
        format!("{epsilon:.5} ({in_255:.2}/255)")
    }
}

/// Writes a radius in the unit of its norm: L∞ in /255 units (as [`format_epsilon`] does), an
/// L2 radius as a plain length on the [0, 1] pixel scale (it has no /255 reading).
#[must_use]
pub fn format_radius(epsilon: f64, norm: Norm) -> String {
    match norm {
        Norm::Linf => format_epsilon(epsilon),
        Norm::L2 => format!("{epsilon:.3} (L2)"),
    }
}

/// A radius for a read-out at a fixed precision: `1.23/255` for L∞, `0.123` for L2.
#[must_use]
pub fn format_radius_short(epsilon: f64, norm: Norm) -> String {
    match norm {
        Norm::Linf => format!("{:.2}/255", epsilon * 255.0),
        Norm::L2 => format!("{epsilon:.3}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_and_decimals_parse() {
        assert!((parse_epsilon("8/255").unwrap() - 8.0 / 255.0).abs() < 1e-15);
        assert!((parse_epsilon(" 2 / 255 ").unwrap() - 2.0 / 255.0).abs() < 1e-15);
        assert_eq!(parse_epsilon("0.5").unwrap(), 0.5);
        assert_eq!(parse_epsilon("0").unwrap(), 0.0);
    }

    #[test]
    fn nonsense_is_refused() {
        for text in ["", "abc", "-1/255", "2", "1/0", "nan", "inf"] {
            assert!(parse_epsilon(text).is_err(), "{text}");
        }
    }

    #[test]
    fn formatting_prefers_255ths() {
        assert_eq!(format_epsilon(8.0 / 255.0), "8/255");
        assert!(format_epsilon(0.01).starts_with("0.01000"));
    }

    #[test]
    fn l2_radii_are_never_written_in_255ths() {
        assert_eq!(format_radius(0.5, Norm::L2), "0.500 (L2)");
        assert_eq!(format_radius(8.0 / 255.0, Norm::Linf), "8/255");
        assert_eq!(format_radius_short(1.0 / 255.0, Norm::Linf), "1.00/255");
        assert_eq!(format_radius_short(0.25, Norm::L2), "0.250");
    }
}
