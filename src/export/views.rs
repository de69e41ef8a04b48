//! The comparison views — original, perturbation, adversarial, the explanation (Grad-CAM by
//! default) on clean and on adversarial — and which images and colour mode each one shows. Used by the window and by
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
    /// The explanation of the clean image.
    CamClean,
    /// The explanation of the adversarial image.
    CamAdversarial,
    /// The adversarial image after the test-time defence (shown only with a defence).
    Defended,
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

    /// The views a result has: the five of [`Self::ALL`], and the defended one when a defence
    /// was applied.
    #[must_use]
    pub fn shown(result: &AttackResult) -> Vec<Self> {
        let mut views = Self::ALL.to_vec();
        if result.defended.is_some() {
            views.push(Self::Defended);
        }
        views
    }

    /// The view's title.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::Original => "Original",
            Self::Perturbation => "Perturbation",
            Self::Adversarial => "Adversarial",
            Self::CamClean => "Explanation, clean",
            Self::CamAdversarial => "Explanation, adversarial",
            Self::Defended => "Defended adversarial",
        }
    }

    /// The title with the result's own words where they differ: the explanation views name
    /// their method (`Grad-CAM++, clean`).
    #[must_use]
    pub fn title_for(self, result: &AttackResult) -> String {
        let method = result.explanation.method.label();
        match self {
            Self::CamClean => format!("{method}, clean"),
            Self::CamAdversarial => format!("{method}, adversarial"),
            other => other.title().to_string(),
        }
    }

    /// The two images the shader reads (grey base, extra channel).
    #[must_use]
    pub fn images(self, result: &AttackResult) -> (&GreyImage, &GreyImage) {
        match self {
            Self::Original => (&result.original, &result.original),
            Self::Perturbation => (&result.original, &result.perturbation),
            Self::Adversarial => (&result.adversarial, &result.adversarial),
            Self::CamClean => (&result.original, &result.explanation_clean),
            Self::CamAdversarial => (&result.adversarial, &result.explanation_adversarial),
            Self::Defended => result
                .defended
                .as_ref()
                .map_or((&result.adversarial, &result.adversarial), |d| {
                    (&d.adversarial_image, &d.adversarial_image)
                }),
        }
    }

    /// The colour mode; the perturbation is scaled to its own L∞ so it is visible however
    /// small it is.
    #[must_use]
    pub fn mode(self, result: &AttackResult, opacity: f32) -> ColorMode {
        match self {
            Self::Original | Self::Adversarial | Self::Defended => ColorMode::Grey,
            Self::Perturbation => ColorMode::Diverging {
                scale: perturbation_scale(result),
            },
            Self::CamClean | Self::CamAdversarial => ColorMode::Overlay { opacity },
        }
    }

    /// A stable small index.
    #[must_use]
    pub fn index(self) -> u64 {
        match self {
            Self::Original => 0,
            Self::Perturbation => 1,
            Self::Adversarial => 2,
            Self::CamClean => 3,
            Self::CamAdversarial => 4,
            Self::Defended => 5,
        }
    }
}

/// The value shown at full colour in the perturbation view.
#[must_use]
pub fn perturbation_scale(result: &AttackResult) -> f32 {
    (result.metrics.linf as f32).max(1.0 / 255.0)
}
