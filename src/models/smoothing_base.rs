//! Whether a model suits randomized smoothing at a given σ: Cohen et al. (2019) certify a
//! radius that means something only when the base model was trained with Gaussian noise of
//! the σ smoothing uses; a model trained without noise may vote one class for every noisy
//! copy, and its certificate then certifies the wrong class.

use super::ModelCard;

/// How a model's training noise relates to a smoothing σ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SmoothingBase {
    /// Trained with Gaussian noise of (within 10 % of) the smoothing σ.
    Matched {
        /// The training σ.
        trained: f32,
    },
    /// Trained with Gaussian noise of another σ.
    OtherSigma {
        /// The training σ.
        trained: f32,
    },
    /// Trained without noise.
    NotNoiseTrained,
}

impl SmoothingBase {
    /// How `card`'s model suits smoothing at `sigma`.
    #[must_use]
    pub fn of(card: &ModelCard, sigma: f32) -> Self {
        match card.noise_sigma {
            Some(trained) if (trained - sigma).abs() <= 0.1 * trained => Self::Matched { trained },
            Some(trained) => Self::OtherSigma { trained },
            None => Self::NotNoiseTrained,
        }
    }

    /// Whether the certificates at this σ can be trusted to certify a useful classifier.
    #[must_use]
    pub fn is_matched(&self) -> bool {
        matches!(self, Self::Matched { .. })
    }

    /// One or two sentences for the window and the command line.
    #[must_use]
    pub fn advice(&self, sigma: f32) -> String {
        match self {
            Self::Matched { trained } => format!(
                "Base model trained with Gaussian noise σ = {trained}: its votes under smoothing at σ = {sigma} are those of a real classifier, and its certified radius means something."
            ),
            Self::OtherSigma { trained } => format!(
                "Base model trained with Gaussian noise σ = {trained}, but smoothing uses σ = {sigma}: the certificate is sound, but the base model may be wrong under this noise. Smooth at σ = {trained}."
            ),
            Self::NotNoiseTrained => format!(
                "Base model not trained with noise: under σ = {sigma} it may vote one class for every scan, and the certificate then certifies the wrong class. Pick a model trained with noise (a name ending in -noise-σ)."
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SmoothingBase;
    use crate::models::ModelCard;

    fn card(noise_sigma: Option<f32>) -> ModelCard {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/compat/card-v0.1-brain-mri-cnn.json");
        let mut card = ModelCard::load(&path).unwrap();
        card.noise_sigma = noise_sigma;
        card
    }

    #[test]
    fn a_model_is_matched_only_at_its_training_sigma() {
        assert_eq!(
            SmoothingBase::of(&card(Some(0.25)), 0.25),
            SmoothingBase::Matched { trained: 0.25 }
        );
        assert!(SmoothingBase::of(&card(Some(0.25)), 0.24).is_matched());
        assert_eq!(
            SmoothingBase::of(&card(Some(0.25)), 0.12),
            SmoothingBase::OtherSigma { trained: 0.25 }
        );
        assert_eq!(
            SmoothingBase::of(&card(None), 0.12),
            SmoothingBase::NotNoiseTrained
        );
        assert!(
            SmoothingBase::of(&card(Some(0.12)), 0.25)
                .advice(0.25)
                .contains("Smooth at σ = 0.12")
        );
    }

    #[test]
    fn an_old_card_has_no_training_noise() {
        assert_eq!(card(None), {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/compat/card-v0.1-brain-mri-cnn.json");
            ModelCard::load(&path).unwrap()
        });
    }
}
