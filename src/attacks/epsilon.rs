//! ε's unit rule, in one place: an L∞ radius is read and written in 1/255 units (`8/255`) or
//! on the [0, 1] scale (`0.0314`); an L2 radius is a length over the whole image on the [0, 1]
//! pixel scale and has no /255 reading. The range the window offers, the step of its keys and
//! the scale of its read-outs follow the same rule.

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

/// How the window and the CLI show ε for `norm`: multiply by this (255 for L∞, read as
/// k/255; 1 for an L2 length).
#[must_use]
pub fn display_scale(norm: Norm) -> f64 {
    match norm {
        Norm::Linf => 255.0,
        Norm::L2 => 1.0,
    }
}

/// The largest ε the slider and the sweep offer, from the setting in /255 units: that many
/// 255ths for L∞; for L2 the same number divided by 4 (16 → a length of 4.0).
#[must_use]
pub fn epsilon_limit(norm: Norm, max_epsilon_255: f32) -> f64 {
    match norm {
        Norm::Linf => f64::from(max_epsilon_255) / 255.0,
        Norm::L2 => f64::from(max_epsilon_255) / 4.0,
    }
}

/// One press of `[` or `]`: 0.25/255 for L∞, 0.01 for L2.
#[must_use]
pub fn epsilon_key_step(norm: Norm) -> f64 {
    match norm {
        Norm::Linf => 0.25 / 255.0,
        Norm::L2 => 0.01,
    }
}

/// Parses a radius in its norm's unit: L∞ as [`parse_epsilon`]; an L2 radius as any finite
/// non-negative length (`8/255` is accepted too).
///
/// # Errors
/// [`AttackError::InvalidEpsilon`] for text that is not such a number.
pub fn parse_radius(text: &str, norm: Norm) -> Result<f64, AttackError> {
    match (parse_epsilon(text), norm) {
        (Ok(value), _) => Ok(value),
        (Err(err), Norm::Linf) => Err(err),
        (Err(_), Norm::L2) => match text.trim().parse::<f64>() {
            Ok(value) if value.is_finite() && value >= 0.0 => Ok(value),
            _ => Err(AttackError::InvalidEpsilon(text.to_string())),
        },
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

    #[test]
    fn the_unit_rule_differs_by_norm() {
        assert_eq!(epsilon_limit(Norm::Linf, 16.0), 16.0 / 255.0);
        assert_eq!(epsilon_limit(Norm::L2, 16.0), 4.0);
        assert_eq!(display_scale(Norm::Linf), 255.0);
        assert_eq!(parse_radius("2.5", Norm::L2).unwrap(), 2.5);
        assert!(parse_radius("2.5", Norm::Linf).is_err());
        assert!(parse_radius("-1", Norm::L2).is_err());
        assert_eq!(parse_radius("8/255", Norm::L2).unwrap(), 8.0 / 255.0);
    }
}
