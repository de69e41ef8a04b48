//! Predictions through a defence: one forward pass for a transform, a vote over noisy copies
//! for MedRDF and randomized smoothing (with Cohen et al.'s certificate for the latter).

use std::ops::RangeInclusive;

use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::certify::{Certificate, certify};
use super::param::check;
use super::{DefenseConfig, DefenseError, DefenseKind, PREDICTION_DRAW, defended_input};
use crate::models::Classifier;

/// The MedRDF vote's own parameters (its denoiser is a [`super::TvConfig`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MedRdfConfig {
    /// Noisy copies that vote, [`Self::COPIES`].
    #[serde(rename = "medrdf_copies")]
    pub copies: usize,
    /// Noise σ on the [0, 1] scale, [`Self::SIGMA`].
    #[serde(rename = "medrdf_sigma")]
    pub sigma: f32,
}

impl MedRdfConfig {
    /// The copy counts accepted.
    pub const COPIES: RangeInclusive<usize> = 1..=1000;
    /// The noise levels accepted.
    pub const SIGMA: RangeInclusive<f32> = 0.0..=1.0;

    /// Checks both.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        check("MedRDF copies", self.copies, &Self::COPIES)?;
        check("MedRDF σ", self.sigma, &Self::SIGMA)
    }
}

impl Default for MedRdfConfig {
    fn default() -> Self {
        Self {
            copies: 15,
            sigma: 0.05,
        }
    }
}

/// Randomized smoothing's parameters (Cohen et al. 2019).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmoothingConfig {
    /// Noise σ on the [0, 1] scale, [`Self::SIGMA`].
    #[serde(rename = "smoothing_sigma")]
    pub sigma: f32,
    /// Noise samples that estimate the top class's probability, [`Self::SAMPLES`].
    #[serde(rename = "smoothing_samples")]
    pub samples: usize,
    /// Noise samples that choose the top class, [`Self::SELECTION`].
    #[serde(rename = "smoothing_selection")]
    pub selection: usize,
    /// Failure probability of the certificate, [`Self::ALPHA`].
    #[serde(rename = "smoothing_alpha")]
    pub alpha: f64,
}

impl SmoothingConfig {
    /// The noise levels accepted.
    pub const SIGMA: RangeInclusive<f32> = 0.01..=2.0;
    /// The estimation sample counts accepted.
    pub const SAMPLES: RangeInclusive<usize> = 10..=100_000;
    /// The selection sample counts accepted.
    pub const SELECTION: RangeInclusive<usize> = 1..=10_000;
    /// The failure probabilities accepted.
    pub const ALPHA: RangeInclusive<f64> = 1e-6..=0.49;

    /// Checks all four.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        check("smoothing σ", self.sigma, &Self::SIGMA)?;
        check("smoothing samples n", self.samples, &Self::SAMPLES)?;
        check(
            "smoothing selection samples n0",
            self.selection,
            &Self::SELECTION,
        )?;
        check("smoothing α", self.alpha, &Self::ALPHA)
    }

    /// In words.
    #[must_use]
    pub fn describe(&self) -> String {
        format!(
            "randomized smoothing, σ = {}, n = {}, α = {}",
            self.sigma, self.samples, self.alpha
        )
    }
}

impl Default for SmoothingConfig {
    fn default() -> Self {
        Self {
            sigma: 0.12,
            samples: 200,
            selection: 16,
            alpha: 0.001,
        }
    }
}

/// Images per forward pass when voting.
const VOTE_BATCH: usize = 128;

/// What the defended model says about a batch.
#[derive(Debug, Clone)]
pub struct DefendedBatch {
    /// What the model saw for the defender's first draw (for a vote: its first copy),
    /// clipped to [0, 1] for display; `[batch, 1, h, w]`.
    pub images: Tensor<4>,
    /// Per image: class probabilities (transforms) or vote fractions (votes).
    pub probabilities: Vec<Vec<f32>>,
    /// Per image, for randomized smoothing: the certified class and radius (or abstention).
    pub certificates: Vec<Option<Certificate>>,
}

fn read_back(err: impl std::fmt::Debug) -> DefenseError {
    DefenseError::Failed(format!("{err:?}"))
}

/// Per image, how many of `draws` defended copies the model assigns to each class, and the
/// first copy.
fn vote_counts(
    model: &Classifier,
    images: &Tensor<4>,
    config: &DefenseConfig,
    draws: std::ops::Range<u64>,
) -> Result<(Vec<Vec<usize>>, Option<Tensor<4>>), DefenseError> {
    let [batch, ..] = images.dims();
    let mut counts: Vec<Vec<usize>> = Vec::new();
    let mut first = None;
    let per_pass = (VOTE_BATCH / batch.max(1)).max(1) as u64;
    let mut start = draws.start;
    while start < draws.end {
        let end = (start + per_pass).min(draws.end);
        let copies = (start..end)
            .map(|draw| defended_input(images, config, draw))
            .collect::<Result<Vec<_>, _>>()?;
        if first.is_none() {
            first = copies.first().cloned();
        }
        let logits = model.forward(Tensor::cat(copies, 0));
        let [_, classes] = logits.dims();
        if counts.is_empty() {
            counts = vec![vec![0; classes]; batch];
        }
        let predicted: Vec<i64> = logits
            .argmax(1)
            .try_into_data()
            .map_err(read_back)?
            .convert::<i64>()
            .try_to_vec()
            .map_err(read_back)?;
        for (index, class) in predicted.into_iter().enumerate() {
            if let Some(slot) = counts[index % batch].get_mut(class as usize) {
                *slot += 1;
            }
        }
        start = end;
    }
    Ok((counts, first))
}

/// A vote's first copy for display, or the defender's draw when the vote had none.
fn shown(
    first: Option<Tensor<4>>,
    images: &Tensor<4>,
    config: &DefenseConfig,
) -> Result<Tensor<4>, DefenseError> {
    let seen = match first {
        Some(copy) => copy,
        None => defended_input(images, config, PREDICTION_DRAW)?,
    };
    Ok(seen.clamp(0.0, 1.0))
}

fn fractions(counts: &[Vec<usize>]) -> Vec<Vec<f32>> {
    counts
        .iter()
        .map(|row| {
            let total = row.iter().sum::<usize>().max(1) as f32;
            row.iter().map(|&c| c as f32 / total).collect()
        })
        .collect()
}

fn top_class(row: &[usize]) -> usize {
    row.iter()
        .enumerate()
        .max_by_key(|(index, count)| (**count, std::cmp::Reverse(*index)))
        .map_or(0, |(index, _)| index)
}

/// The defended model's prediction for a batch `[batch, 1, h, w]` in [0, 1]. `model` is the
/// evaluation-mode network on the plain device.
///
/// # Errors
/// [`DefenseError`] for bad parameters, a failed transform or a failed read-back.
pub fn defended_predict(
    model: &Classifier,
    images: &Tensor<4>,
    config: &DefenseConfig,
) -> Result<DefendedBatch, DefenseError> {
    let [batch, ..] = images.dims();
    match config.kind {
        DefenseKind::MedRdf => {
            let draws = PREDICTION_DRAW..PREDICTION_DRAW + config.medrdf.copies as u64;
            let (counts, first) = vote_counts(model, images, config, draws)?;
            Ok(DefendedBatch {
                images: shown(first, images, config)?,
                probabilities: fractions(&counts),
                certificates: vec![None; batch],
            })
        }
        DefenseKind::Smoothing => {
            // Selection and estimation use disjoint draws, as Cohen et al.'s CERTIFY requires.
            let counts = |start: u64, draws: usize| {
                vote_counts(model, images, config, start..start + draws as u64)
            };
            let (selection, first) = counts(PREDICTION_DRAW, config.smoothing.selection)?;
            let (estimation, _) = counts(PREDICTION_DRAW * 2, config.smoothing.samples)?;
            let certificates = selection
                .iter()
                .zip(&estimation)
                .map(|(chosen, counted)| {
                    let top = top_class(chosen);
                    Some(certify(
                        top,
                        counted.get(top).copied().unwrap_or(0),
                        config.smoothing.samples,
                        f64::from(config.smoothing.sigma),
                        config.smoothing.alpha,
                    ))
                })
                .collect();
            Ok(DefendedBatch {
                images: shown(first, images, config)?,
                probabilities: fractions(&estimation),
                certificates,
            })
        }
        _ => {
            let seen = defended_input(images, config, PREDICTION_DRAW)?;
            let probabilities = model
                .probability_rows(seen.clone())
                .map_err(|err| DefenseError::Failed(err.to_string()))?;
            Ok(DefendedBatch {
                images: seen.clamp(0.0, 1.0),
                probabilities,
                certificates: vec![None; batch],
            })
        }
    }
}
