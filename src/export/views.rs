//! The comparison views — original, perturbation, adversarial, Grad-CAM on clean and on
//! adversarial — and which images and colour mode each one shows. Used by the window and by
//! the exported figure.

use super::ColorMode;
use crate::imaging::GreyImage;
use crate::pipeline::AttackResult;

/// The views, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewKind {
    /// The clean model input.
    Original,
    /// adversarial − original, diverging colours.
    Perturbation,
    /// The adversarial image.
    Adversarial,
    /// Grad-CAM of the clean image.
    CamClean,
    /// Grad-CAM of the adversarial image.
    CamAdversarial,
}

impl ViewKind {
    /// All views in display order.
    pub const ALL: [Self; 5] = [
        Self::Original,
        Self::Perturbation,
        Self::Adversarial,
        Self::CamClean,
        Self::CamAdversarial,
    ];

    /// The view's title.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::Original => "Original",
            Self::Perturbation => "Perturbation",
            Self::Adversarial => "Adversarial",
            Self::CamClean => "Grad-CAM, clean",
            Self::CamAdversarial => "Grad-CAM, adversarial",
        }
    }

    /// The two images the shader reads (grey base, extra channel).
    #[must_use]
    pub fn images(self, result: &AttackResult) -> (&GreyImage, &GreyImage) {
        match self {
            Self::Original => (&result.original, &result.original),
            Self::Perturbation => (&result.original, &result.perturbation),
            Self::Adversarial => (&result.adversarial, &result.adversarial),
            Self::CamClean => (&result.original, &result.gradcam_clean),
            Self::CamAdversarial => (&result.adversarial, &result.gradcam_adversarial),
        }
    }

    /// The colour mode; the perturbation is scaled to its own L∞ so it is visible however
    /// small it is.
    #[must_use]
    pub fn mode(self, result: &AttackResult, opacity: f32) -> ColorMode {
        match self {
            Self::Original | Self::Adversarial => ColorMode::Grey,
            Self::Perturbation => ColorMode::Diverging {
                scale: perturbation_scale(result),
            },
            Self::CamClean | Self::CamAdversarial => ColorMode::Overlay { opacity },
        }
    }

    /// A stable small index.
    #[must_use]
    pub fn index(self) -> u64 {
        Self::ALL.iter().position(|k| *k == self).unwrap_or(0) as u64
    }
}

/// The value shown at full colour in the perturbation view.
#[must_use]
pub fn perturbation_scale(result: &AttackResult) -> f32 {
    (result.metrics.linf as f32).max(1.0 / 255.0)
}
