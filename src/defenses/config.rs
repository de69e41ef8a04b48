//! Typed defence choices with sensible defaults, their description and their ranges (the
//! text form is in `config_text.rs`).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::DefenseError;

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

/// A defence and its parameters (only the chosen kind's parameters are used).
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
    /// Total-variation weight on the [0, 1] scale (0.001–1); also MedRDF's denoiser.
    pub tv_weight: f32,
    /// Chambolle iterations (1–500).
    pub tv_iterations: usize,
    /// Haar decomposition levels (1–6).
    pub wavelet_levels: usize,
    /// Noise level for the wavelet thresholds on the [0, 1] scale; 0 estimates it per image.
    pub wavelet_sigma: f32,
    /// Pixels deflected per image (1–20000).
    pub deflections: usize,
    /// Deflection window radius in pixels (1–64).
    pub deflection_window: usize,
    /// MedRDF noisy copies (1–1000).
    pub medrdf_copies: usize,
    /// MedRDF noise σ on the [0, 1] scale (0–1).
    pub medrdf_sigma: f32,
    /// Randomized smoothing noise σ on the [0, 1] scale (0.01–2).
    pub smoothing_sigma: f32,
    /// Noise samples that estimate the top class's probability (10–100000).
    pub smoothing_samples: usize,
    /// Noise samples that choose the top class (1–10000).
    pub smoothing_selection: usize,
    /// Failure probability of the certificate (0 < α < 0.5).
    pub smoothing_alpha: f64,
    /// Draws averaged per gradient when an adaptive attack goes through a randomized defence
    /// (EOT), 1–256.
    pub eot_samples: usize,
    /// Seed of the defence's own randomness.
    pub seed: u64,
}

impl Default for DefenseConfig {
    fn default() -> Self {
        Self {
            kind: DefenseKind::Jpeg,
            jpeg_quality: 75,
            median_size: 3,
            blur_sigma: 1.0,
            bits: 4,
            tv_weight: 0.08,
            tv_iterations: 30,
            wavelet_levels: 3,
            wavelet_sigma: 0.0,
            deflections: 200,
            deflection_window: 10,
            medrdf_copies: 15,
            medrdf_sigma: 0.05,
            smoothing_sigma: 0.12,
            smoothing_samples: 200,
            smoothing_selection: 16,
            smoothing_alpha: 0.001,
            eot_samples: 8,
            seed: 0,
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

    /// The defence and its parameters in words.
    #[must_use]
    pub fn describe(&self) -> String {
        match self.kind {
            DefenseKind::Jpeg => format!("JPEG quality {}", self.jpeg_quality),
            DefenseKind::Median => format!("median {0}×{0}", self.median_size),
            DefenseKind::GaussianBlur => format!("Gaussian blur σ = {}", self.blur_sigma),
            DefenseKind::BitDepth => format!("{} bits", self.bits),
            DefenseKind::TvDenoise => format!("TV denoising, weight {}", self.tv_weight),
            DefenseKind::Wavelet => {
                let sigma = if self.wavelet_sigma > 0.0 {
                    format!("σ = {}", self.wavelet_sigma)
                } else {
                    "σ estimated".to_string()
                };
                format!("wavelet denoising, {} levels, {sigma}", self.wavelet_levels)
            }
            DefenseKind::PixelDeflection => format!(
                "pixel deflection, {} pixels within {} px",
                self.deflections, self.deflection_window
            ),
            DefenseKind::MedRdf => format!(
                "MedRDF vote, {} copies, σ = {}, TV weight {}",
                self.medrdf_copies, self.medrdf_sigma, self.tv_weight
            ),
            DefenseKind::Smoothing => format!(
                "randomized smoothing, σ = {}, n = {}, α = {}",
                self.smoothing_sigma, self.smoothing_samples, self.smoothing_alpha
            ),
        }
    }

    /// Checks the parameters of the chosen defence.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        let finite_in =
            |value: f32, low: f32, high: f32| value.is_finite() && (low..=high).contains(&value);
        let ok = (1..=256).contains(&self.eot_samples)
            && match self.kind {
                DefenseKind::Jpeg => (1..=100).contains(&self.jpeg_quality),
                DefenseKind::Median => {
                    self.median_size % 2 == 1 && (3..=9).contains(&self.median_size)
                }
                DefenseKind::GaussianBlur => finite_in(self.blur_sigma, 0.1, 5.0),
                DefenseKind::BitDepth => (1..=8).contains(&self.bits),
                DefenseKind::TvDenoise => {
                    finite_in(self.tv_weight, 0.001, 1.0) && (1..=500).contains(&self.tv_iterations)
                }
                DefenseKind::Wavelet => {
                    (1..=6).contains(&self.wavelet_levels)
                        && finite_in(self.wavelet_sigma, 0.0, 0.5)
                }
                DefenseKind::PixelDeflection => {
                    (1..=20_000).contains(&self.deflections)
                        && (1..=64).contains(&self.deflection_window)
                }
                DefenseKind::MedRdf => {
                    (1..=1000).contains(&self.medrdf_copies)
                        && finite_in(self.medrdf_sigma, 0.0, 1.0)
                        && finite_in(self.tv_weight, 0.001, 1.0)
                        && (1..=500).contains(&self.tv_iterations)
                }
                DefenseKind::Smoothing => {
                    finite_in(self.smoothing_sigma, 0.01, 2.0)
                        && (10..=100_000).contains(&self.smoothing_samples)
                        && (1..=10_000).contains(&self.smoothing_selection)
                        && self.smoothing_alpha > 0.0
                        && self.smoothing_alpha < 0.5
                }
            };
        if ok {
            Ok(())
        } else {
            Err(DefenseError::InvalidParameter(format!(
                "{} (EOT draws {}) is out of range",
                self.describe(),
                self.eot_samples
            )))
        }
    }
}
