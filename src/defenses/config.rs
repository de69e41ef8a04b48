//! Typed defence choices with sensible defaults.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::DefenseError;

/// The pre-processing defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DefenseKind {
    /// JPEG re-compression at a quality.
    Jpeg,
    /// Median filter of a square size.
    Median,
    /// Gaussian blur of a standard deviation.
    GaussianBlur,
    /// Quantisation to a number of bits.
    BitDepth,
}

impl DefenseKind {
    /// Every defence, in menu order.
    pub const ALL: [Self; 4] = [Self::Jpeg, Self::Median, Self::GaussianBlur, Self::BitDepth];

    /// The name shown in menus.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG re-compression",
            Self::Median => "Median filter",
            Self::GaussianBlur => "Gaussian blur",
            Self::BitDepth => "Bit-depth reduction",
        }
    }

    /// One sentence in plain words.
    #[must_use]
    pub fn explanation(self) -> &'static str {
        match self {
            Self::Jpeg => {
                "Saves the image as a JPEG and reads it back, discarding fine detail where small perturbations live."
            }
            Self::Median => {
                "Replaces each pixel by the median of its neighbours, removing isolated specks."
            }
            Self::GaussianBlur => {
                "Blurs the image slightly, averaging small perturbations away (and some detail with them)."
            }
            Self::BitDepth => {
                "Rounds every pixel to a few grey levels, so changes smaller than a level disappear."
            }
        }
    }
}

impl fmt::Display for DefenseKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Jpeg => "jpeg",
            Self::Median => "median",
            Self::GaussianBlur => "blur",
            Self::BitDepth => "bits",
        })
    }
}

/// A defence and its parameters (only the chosen kind's parameter is used).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DefenseConfig {
    /// Which defence.
    pub kind: DefenseKind,
    /// JPEG quality, 1–100.
    pub jpeg_quality: u8,
    /// Median filter size (odd, 3–9).
    pub median_size: usize,
    /// Gaussian blur σ in pixels (0.1–5).
    pub blur_sigma: f32,
    /// Bits per pixel kept (1–8).
    pub bits: u8,
}

impl Default for DefenseConfig {
    fn default() -> Self {
        Self {
            kind: DefenseKind::Jpeg,
            jpeg_quality: 75,
            median_size: 3,
            blur_sigma: 1.0,
            bits: 4,
        }
    }
}

impl DefenseConfig {
    /// The default parameters of a defence.
    #[must_use]
    pub fn new(kind: DefenseKind) -> Self {
        Self {
            kind,
            ..Self::default()
        }
    }

    /// Parses `jpeg`, `jpeg:60`, `median:5`, `blur:1.5`, `bits:3`.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`] for unknown names or bad numbers.
    pub fn parse(text: &str) -> Result<Self, DefenseError> {
        let (name, value) = text
            .split_once(':')
            .map_or((text, None), |(n, v)| (n, Some(v.trim())));
        let kind = DefenseKind::ALL
            .into_iter()
            .find(|kind| kind.to_string() == name.trim())
            .ok_or_else(|| {
                DefenseError::InvalidParameter(format!(
                    "unknown defence '{name}': expected jpeg, median, blur or bits"
                ))
            })?;
        let mut config = Self::new(kind);
        if let Some(value) = value {
            let bad = || {
                DefenseError::InvalidParameter(format!(
                    "'{value}' is not a valid parameter for {name}"
                ))
            };
            match kind {
                DefenseKind::Jpeg => config.jpeg_quality = value.parse().map_err(|_| bad())?,
                DefenseKind::Median => config.median_size = value.parse().map_err(|_| bad())?,
                DefenseKind::GaussianBlur => {
                    config.blur_sigma = value.parse().map_err(|_| bad())?;
                }
                DefenseKind::BitDepth => config.bits = value.parse().map_err(|_| bad())?,
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// The defence and its parameter in words.
    #[must_use]
    pub fn describe(&self) -> String {
        match self.kind {
            DefenseKind::Jpeg => format!("JPEG quality {}", self.jpeg_quality),
            DefenseKind::Median => format!("median {0}×{0}", self.median_size),
            DefenseKind::GaussianBlur => format!("Gaussian blur σ = {}", self.blur_sigma),
            DefenseKind::BitDepth => format!("{} bits", self.bits),
        }
    }

    /// Checks the parameter of the chosen defence.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        let ok = match self.kind {
            DefenseKind::Jpeg => (1..=100).contains(&self.jpeg_quality),
            DefenseKind::Median => self.median_size % 2 == 1 && (3..=9).contains(&self.median_size),
            DefenseKind::GaussianBlur => {
                self.blur_sigma.is_finite() && (0.1..=5.0).contains(&self.blur_sigma)
            }
            DefenseKind::BitDepth => (1..=8).contains(&self.bits),
        };
        if ok {
            Ok(())
        } else {
            Err(DefenseError::InvalidParameter(format!(
                "{} is out of range",
                self.describe()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_names_and_parameters() {
        assert_eq!(DefenseConfig::parse("median:5").unwrap().median_size, 5);
        assert_eq!(DefenseConfig::parse("jpeg").unwrap().jpeg_quality, 75);
        assert!((DefenseConfig::parse("blur:1.5").unwrap().blur_sigma - 1.5).abs() < 1e-6);
        for bad in [
            "median:4", "bits:0", "jpeg:101", "blur:-1", "sharpen", "bits:x",
        ] {
            assert!(DefenseConfig::parse(bad).is_err(), "{bad}");
        }
    }
}
