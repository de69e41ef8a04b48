//! The text form of a defence: `NAME[:VALUE][,KEY=VALUE…]` (`median:5`,
//! `smoothing:0.25,n=500,alpha=0.001`), parsed and written back.

use super::{DefenseConfig, DefenseError, DefenseKind};

impl DefenseConfig {
    /// Parses `NAME[:VALUE][,KEY=VALUE…]`: `jpeg`, `jpeg:60`, `median:5`, `blur:1.5`,
    /// `bits:3`, `tv:0.1`, `wavelet:3`, `deflection:200,window=10`, `medrdf:15,sigma=0.05`,
    /// `smoothing:0.25,n=500,alpha=0.001`. The bare value is the defence's main parameter;
    /// `eot=` and `seed=` apply to every defence.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`] for unknown names or bad numbers.
    pub fn parse(text: &str) -> Result<Self, DefenseError> {
        let (name, rest) = text
            .split_once(':')
            .map_or((text.trim(), ""), |(n, v)| (n.trim(), v));
        let kind = DefenseKind::ALL
            .into_iter()
            .find(|kind| kind.to_string() == name)
            .ok_or_else(|| {
                DefenseError::InvalidParameter(format!(
                    "unknown defence '{name}': expected one of {}",
                    DefenseKind::ALL.map(|k| k.to_string()).join(", ")
                ))
            })?;
        let mut config = Self::new(kind);
        for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .map_or((None, part), |(k, v)| (Some(k.trim()), v.trim()));
            config.set(key, value)?;
        }
        config.validate()?;
        Ok(config)
    }

    /// Sets one parameter from text; `key` `None` means the defence's main parameter.
    fn set(&mut self, key: Option<&str>, value: &str) -> Result<(), DefenseError> {
        let kind = self.kind;
        let key = key.unwrap_or(match kind {
            DefenseKind::Jpeg => "quality",
            DefenseKind::Median => "size",
            DefenseKind::GaussianBlur | DefenseKind::Smoothing => "sigma",
            DefenseKind::BitDepth => "bits",
            DefenseKind::TvDenoise => "weight",
            DefenseKind::Wavelet => "levels",
            DefenseKind::PixelDeflection => "deflections",
            DefenseKind::MedRdf => "copies",
        });
        let bad =
            || DefenseError::InvalidParameter(format!("'{value}' is not a valid {kind} {key}"));
        match (self.kind, key) {
            (DefenseKind::Jpeg, "quality") => {
                self.jpeg_quality = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Median, "size") => self.median_size = value.parse().map_err(|_| bad())?,
            (DefenseKind::GaussianBlur, "sigma") => {
                self.blur_sigma = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::BitDepth, "bits") => self.bits = value.parse().map_err(|_| bad())?,
            (DefenseKind::TvDenoise | DefenseKind::MedRdf, "weight") => {
                self.tv_weight = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::TvDenoise | DefenseKind::MedRdf, "iterations") => {
                self.tv_iterations = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Wavelet, "levels") => {
                self.wavelet_levels = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Wavelet, "sigma") => {
                self.wavelet_sigma = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::PixelDeflection, "deflections") => {
                self.deflections = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::PixelDeflection, "window") => {
                self.deflection_window = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::MedRdf, "copies") => {
                self.medrdf_copies = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::MedRdf, "sigma") => {
                self.medrdf_sigma = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Smoothing, "sigma") => {
                self.smoothing_sigma = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Smoothing, "n") => {
                self.smoothing_samples = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Smoothing, "n0") => {
                self.smoothing_selection = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Smoothing, "alpha") => {
                self.smoothing_alpha = value.parse().map_err(|_| bad())?;
            }
            (_, "eot") => self.eot_samples = value.parse().map_err(|_| bad())?,
            (_, "seed") => self.seed = value.parse().map_err(|_| bad())?,
            (kind, other) => {
                return Err(DefenseError::InvalidParameter(format!(
                    "{kind} has no parameter '{other}'"
                )));
            }
        }
        Ok(())
    }

    /// The text form [`Self::parse`] reads back.
    #[must_use]
    pub fn to_text(&self) -> String {
        let main = match self.kind {
            DefenseKind::Jpeg => self.jpeg_quality.to_string(),
            DefenseKind::Median => self.median_size.to_string(),
            DefenseKind::GaussianBlur => self.blur_sigma.to_string(),
            DefenseKind::BitDepth => self.bits.to_string(),
            DefenseKind::TvDenoise => {
                format!("{},iterations={}", self.tv_weight, self.tv_iterations)
            }
            DefenseKind::Wavelet => format!("{},sigma={}", self.wavelet_levels, self.wavelet_sigma),
            DefenseKind::PixelDeflection => {
                format!("{},window={}", self.deflections, self.deflection_window)
            }
            DefenseKind::MedRdf => format!(
                "{},sigma={},weight={}",
                self.medrdf_copies, self.medrdf_sigma, self.tv_weight
            ),
            DefenseKind::Smoothing => format!(
                "{},n={},n0={},alpha={}",
                self.smoothing_sigma,
                self.smoothing_samples,
                self.smoothing_selection,
                self.smoothing_alpha
            ),
        };
        format!(
            "{}:{main},eot={},seed={}",
            self.kind, self.eot_samples, self.seed
        )
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
        let smoothing = DefenseConfig::parse("smoothing:0.5,n=500,alpha=0.01,eot=4").unwrap();
        assert!((smoothing.smoothing_sigma - 0.5).abs() < 1e-6);
        assert_eq!(smoothing.smoothing_samples, 500);
        assert!((smoothing.smoothing_alpha - 0.01).abs() < 1e-12);
        assert_eq!(smoothing.eot_samples, 4);
        assert_eq!(DefenseConfig::parse("medrdf:9").unwrap().medrdf_copies, 9);
        assert_eq!(DefenseConfig::parse("wavelet:2").unwrap().wavelet_levels, 2);
        for bad in [
            "median:4",
            "bits:0",
            "jpeg:101",
            "blur:-1",
            "sharpen",
            "bits:x",
            "tv:0",
            "smoothing:0.25,n=5",
            "medrdf:9,quality=3",
            "deflection:0",
            "jpeg,eot=0",
        ] {
            assert!(DefenseConfig::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_form_round_trips() {
        for kind in DefenseKind::ALL {
            let config = DefenseConfig {
                seed: 7,
                eot_samples: 3,
                ..DefenseConfig::new(kind)
            };
            assert_eq!(
                DefenseConfig::parse(&config.to_text()).unwrap(),
                config,
                "{kind}"
            );
        }
    }
}
