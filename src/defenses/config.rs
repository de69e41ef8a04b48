//! Typed defence choices with sensible defaults, their description and their ranges (the
//! text form is in `config_text.rs`).

use std::fmt;
use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use super::DefenseError;
use super::deflection::DeflectionConfig;
use super::denoise::{TvConfig, WaveletConfig};
use super::filters::{BitDepthConfig, BlurConfig, MedianConfig};
use super::jpeg::JpegConfig;
use super::param::check;
use super::voting::{MedRdfConfig, SmoothingConfig};

/// The test-time defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DefenseKind {
    /// JPEG re-compression at a quality (classical baseline).
    Jpeg,
    /// Median filter of a square size (classical baseline).
    Median,
    /// Gaussian blur of a standard deviation (classical baseline).
    GaussianBlur,
    /// Quantisation to a number of bits (classical baseline).
    BitDepth,
    /// Total-variation denoising (Chambolle).
    TvDenoise,
    /// Wavelet soft-threshold denoising (Haar, `BayesShrink`).
    Wavelet,
    /// Pixel deflection then wavelet denoising (Prakash et al. 2018).
    PixelDeflection,
    /// MedRDF-style: noisy copies, denoised, majority vote (Xu et al. 2021).
    MedRdf,
    /// Randomized smoothing with a certified L2 radius (Cohen et al. 2019).
    Smoothing,
}

impl DefenseKind {
    /// Every defence, in menu order.
    pub const ALL: [Self; 9] = [
        Self::Jpeg,
        Self::Median,
        Self::GaussianBlur,
        Self::BitDepth,
        Self::TvDenoise,
        Self::Wavelet,
        Self::PixelDeflection,
        Self::MedRdf,
        Self::Smoothing,
    ];

    /// The name shown in menus.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Jpeg => "JPEG re-compression",
            Self::Median => "Median filter",
            Self::GaussianBlur => "Gaussian blur",
            Self::BitDepth => "Bit-depth reduction",
            Self::TvDenoise => "Total-variation denoising",
            Self::Wavelet => "Wavelet denoising",
            Self::PixelDeflection => "Pixel deflection",
            Self::MedRdf => "MedRDF vote",
            Self::Smoothing => "Randomized smoothing",
        }
    }

    /// Whether it is one of the classical pre-processing baselines (not from the seed
    /// surveys).
    #[must_use]
    pub fn is_classical_baseline(self) -> bool {
        matches!(
            self,
            Self::Jpeg | Self::Median | Self::GaussianBlur | Self::BitDepth
        )
    }

    /// Whether it draws random numbers (so an adaptive attack averages over draws: EOT).
    #[must_use]
    pub fn is_randomized(self) -> bool {
        matches!(self, Self::PixelDeflection | Self::MedRdf | Self::Smoothing)
    }

    /// Whether it is made of differentiable tensor operations (an adaptive attack then
    /// differentiates it exactly; JPEG, the median filter and bit-depth reduction get BPDA).
    #[must_use]
    pub fn is_differentiable(self) -> bool {
        matches!(
            self,
            Self::GaussianBlur
                | Self::TvDenoise
                | Self::Wavelet
                | Self::PixelDeflection
                | Self::MedRdf
                | Self::Smoothing
        )
    }

    /// Whether its prediction is a vote over many noisy copies rather than one forward pass.
    #[must_use]
    pub fn is_vote(self) -> bool {
        matches!(self, Self::MedRdf | Self::Smoothing)
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
            Self::TvDenoise => {
                "Smooths the image while keeping edges, by penalising its total variation."
            }
            Self::Wavelet => {
                "Shrinks the small wavelet coefficients where noise and perturbations live, keeping the large ones."
            }
            Self::PixelDeflection => {
                "Swaps many random pixels with random neighbours, then wavelet-denoises: the model is robust to that, a perturbation may not be."
            }
            Self::MedRdf => {
                "Adds noise to many copies, denoises each and lets the model vote; the majority decides."
            }
            Self::Smoothing => {
                "Classifies many Gaussian-noised copies and takes the vote; the vote margin gives a radius no L2 attack can cross."
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
            Self::TvDenoise => "tv",
            Self::Wavelet => "wavelet",
            Self::PixelDeflection => "deflection",
            Self::MedRdf => "medrdf",
            Self::Smoothing => "smoothing",
        })
    }
}

/// A defence and its parameters: one typed config per algorithm (beside it), of which the
/// chosen kind's is used, plus what every defence shares. Serialised flat, with the field
/// names cards, settings and recipes have always used (`jpeg_quality`, `tv_weight`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DefenseConfig {
    /// Which defence.
    pub kind: DefenseKind,
    /// JPEG re-compression.
    #[serde(flatten)]
    pub jpeg: JpegConfig,
    /// Median filter.
    #[serde(flatten)]
    pub median: MedianConfig,
    /// Gaussian blur.
    #[serde(flatten)]
    pub blur: BlurConfig,
    /// Bit-depth reduction.
    #[serde(flatten)]
    pub bit_depth: BitDepthConfig,
    /// Total-variation denoising (also MedRDF's denoiser).
    #[serde(flatten)]
    pub tv: TvConfig,
    /// Wavelet denoising.
    #[serde(flatten)]
    pub wavelet: WaveletConfig,
    /// Pixel deflection.
    #[serde(flatten)]
    pub deflection: DeflectionConfig,
    /// The MedRDF vote.
    #[serde(flatten)]
    pub medrdf: MedRdfConfig,
    /// Randomized smoothing.
    #[serde(flatten)]
    pub smoothing: SmoothingConfig,
    /// Draws averaged per gradient when an adaptive attack goes through a randomized defence
    /// (EOT), [`Self::EOT_SAMPLES`].
    pub eot_samples: usize,
    /// Seed of the defence's own randomness.
    pub seed: u64,
}

impl Default for DefenseConfig {
    fn default() -> Self {
        Self {
            kind: DefenseKind::Jpeg,
            jpeg: JpegConfig::default(),
            median: MedianConfig::default(),
            blur: BlurConfig::default(),
            bit_depth: BitDepthConfig::default(),
            tv: TvConfig::default(),
            wavelet: WaveletConfig::default(),
            deflection: DeflectionConfig::default(),
            medrdf: MedRdfConfig::default(),
            smoothing: SmoothingConfig::default(),
            eot_samples: 8,
            seed: 0,
        }
    }
}

impl DefenseConfig {
    /// The EOT draw counts accepted.
    pub const EOT_SAMPLES: RangeInclusive<usize> = 1..=256;

    /// The default parameters of a defence.
    #[must_use]
    pub fn new(kind: DefenseKind) -> Self {
        Self {
            kind,
            ..Self::default()
        }
    }

    /// The defence and its parameters in words.
    #[must_use]
    pub fn describe(&self) -> String {
        match self.kind {
            DefenseKind::Jpeg => self.jpeg.describe(),
            DefenseKind::Median => self.median.describe(),
            DefenseKind::GaussianBlur => self.blur.describe(),
            DefenseKind::BitDepth => self.bit_depth.describe(),
            DefenseKind::TvDenoise => self.tv.describe(),
            DefenseKind::Wavelet => self.wavelet.describe(),
            DefenseKind::PixelDeflection => self.deflection.describe(),
            DefenseKind::MedRdf => format!(
                "MedRDF vote, {} copies, σ = {}, TV weight {}",
                self.medrdf.copies, self.medrdf.sigma, self.tv.weight
            ),
            DefenseKind::Smoothing => self.smoothing.describe(),
        }
    }

    /// Checks the parameters of the chosen defence (and the EOT draws).
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`], naming the parameter and its range.
    pub fn validate(&self) -> Result<(), DefenseError> {
        check("EOT draws", self.eot_samples, &Self::EOT_SAMPLES)?;
        match self.kind {
            DefenseKind::Jpeg => self.jpeg.validate(),
            DefenseKind::Median => self.median.validate(),
            DefenseKind::GaussianBlur => self.blur.validate(),
            DefenseKind::BitDepth => self.bit_depth.validate(),
            DefenseKind::TvDenoise => self.tv.validate(),
            DefenseKind::Wavelet => self.wavelet.validate(),
            DefenseKind::PixelDeflection => self.deflection.validate(),
            DefenseKind::MedRdf => {
                self.medrdf.validate()?;
                self.tv.validate()
            }
            DefenseKind::Smoothing => self.smoothing.validate(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_stays_flat_with_the_names_it_always_had() {
        let config = DefenseConfig::new(DefenseKind::Smoothing);
        let value = serde_json::to_value(&config).unwrap();
        for key in [
            "kind",
            "jpeg_quality",
            "median_size",
            "blur_sigma",
            "bits",
            "tv_weight",
            "tv_iterations",
            "wavelet_levels",
            "wavelet_sigma",
            "deflections",
            "deflection_window",
            "medrdf_copies",
            "medrdf_sigma",
            "smoothing_sigma",
            "smoothing_samples",
            "smoothing_selection",
            "smoothing_alpha",
            "eot_samples",
            "seed",
        ] {
            assert!(value.get(key).is_some(), "{key} missing from {value}");
        }
        let old: DefenseConfig =
            serde_json::from_str(r#"{"kind":"smoothing","smoothing_samples":500,"tv_weight":0.1}"#)
                .unwrap();
        assert_eq!(old.smoothing.samples, 500);
        assert_eq!(old.tv.weight, 0.1);
        assert_eq!(old.eot_samples, 8, "missing fields take the defaults");
        assert_eq!(
            serde_json::from_value::<DefenseConfig>(value).unwrap(),
            config
        );
    }

    #[test]
    fn every_default_is_valid_and_errors_name_the_range() {
        for kind in DefenseKind::ALL {
            DefenseConfig::new(kind).validate().unwrap();
        }
        let mut tv = DefenseConfig::new(DefenseKind::TvDenoise);
        tv.tv.weight = 2.0;
        let message = tv.validate().unwrap_err().to_string();
        assert!(
            message.contains("TV weight 2") && message.contains("0.001–1"),
            "{message}"
        );
        tv.tv.weight = f32::NAN;
        assert!(tv.validate().is_err());
    }
}
