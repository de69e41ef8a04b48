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
                self.jpeg.quality = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Median, "size") => self.median.size = value.parse().map_err(|_| bad())?,
            (DefenseKind::GaussianBlur, "sigma") => {
                self.blur.sigma = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::BitDepth, "bits") => {
                self.bit_depth.bits = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::TvDenoise | DefenseKind::MedRdf, "weight") => {
                self.tv.weight = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::TvDenoise | DefenseKind::MedRdf, "iterations") => {
                self.tv.iterations = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Wavelet, "levels") => {
                self.wavelet.levels = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Wavelet, "sigma") => {
                self.wavelet.sigma = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::PixelDeflection, "deflections") => {
                self.deflection.pixels = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::PixelDeflection, "window") => {
                self.deflection.window = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::MedRdf, "copies") => {
                self.medrdf.copies = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::MedRdf, "sigma") => {
                self.medrdf.sigma = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Smoothing, "sigma") => {
                self.smoothing.sigma = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Smoothing, "n") => {
                self.smoothing.samples = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Smoothing, "n0") => {
                self.smoothing.selection = value.parse().map_err(|_| bad())?;
            }
            (DefenseKind::Smoothing, "alpha") => {
                self.smoothing.alpha = value.parse().map_err(|_| bad())?;
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
            DefenseKind::Jpeg => self.jpeg.quality.to_string(),
            DefenseKind::Median => self.median.size.to_string(),
            DefenseKind::GaussianBlur => self.blur.sigma.to_string(),
            DefenseKind::BitDepth => self.bit_depth.bits.to_string(),
            DefenseKind::TvDenoise => {
                format!("{},iterations={}", self.tv.weight, self.tv.iterations)
            }
            DefenseKind::Wavelet => format!("{},sigma={}", self.wavelet.levels, self.wavelet.sigma),
            DefenseKind::PixelDeflection => {
                format!(
                    "{},window={}",
                    self.deflection.pixels, self.deflection.window
                )
            }
            DefenseKind::MedRdf => format!(
                "{},sigma={},weight={}",
                self.medrdf.copies, self.medrdf.sigma, self.tv.weight
            ),
            DefenseKind::Smoothing => format!(
                "{},n={},n0={},alpha={}",
                self.smoothing.sigma,
                self.smoothing.samples,
                self.smoothing.selection,
                self.smoothing.alpha
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
        assert_eq!(DefenseConfig::parse("median:5").unwrap().median.size, 5);
        assert_eq!(DefenseConfig::parse("jpeg").unwrap().jpeg.quality, 75);
        assert!((DefenseConfig::parse("blur:1.5").unwrap().blur.sigma - 1.5).abs() < 1e-6);
        let smoothing = DefenseConfig::parse("smoothing:0.5,n=500,alpha=0.01,eot=4").unwrap();
        assert!((smoothing.smoothing.sigma - 0.5).abs() < 1e-6);
        assert_eq!(smoothing.smoothing.samples, 500);
        assert!((smoothing.smoothing.alpha - 0.01).abs() < 1e-12);
        assert_eq!(smoothing.eot_samples, 4);
        assert_eq!(DefenseConfig::parse("medrdf:9").unwrap().medrdf.copies, 9);
        assert_eq!(DefenseConfig::parse("wavelet:2").unwrap().wavelet.levels, 2);
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
