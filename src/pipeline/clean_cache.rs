//! What an ε change leaves alone. An FGSM session (the slider) keeps the clean image's
//! explanation and its feature-squeezing score after the first ε, so each further ε computes
//! only what depends on the adversarial image. The values are the ones a fresh run computes:
//! the same functions on the same clean image.

use std::sync::{Mutex, PoisonError};

use crate::explain::{ExplainConfig, RankedMap};

/// The clean image's explanation (for one method, its parameters and one class) and its
/// detection score, filled on first use.
#[derive(Debug, Default)]
pub(super) struct CleanCache {
    explanation: Mutex<Option<(ExplainConfig, usize, RankedMap)>>,
    squeeze_score: Mutex<Option<f32>>,
}

impl CleanCache {
    /// The clean map for `config` and `class`: the kept one when both match, else `compute`'s
    /// (then kept).
    pub(super) fn explanation<E>(
        &self,
        config: &ExplainConfig,
        class: usize,
        compute: impl FnOnce() -> Result<RankedMap, E>,
    ) -> Result<RankedMap, E> {
        let mut kept = self
            .explanation
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((kept_config, kept_class, map)) = kept.as_ref()
            && kept_config == config
            && *kept_class == class
        {
            return Ok(map.clone());
        }
        let map = compute()?;
        *kept = Some((config.clone(), class, map.clone()));
        Ok(map)
    }

    /// The clean image's feature-squeezing score: the kept one, else `compute`'s (then kept).
    pub(super) fn squeeze_score<E>(
        &self,
        compute: impl FnOnce() -> Result<f32, E>,
    ) -> Result<f32, E> {
        let mut kept = self
            .squeeze_score
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(score) = *kept {
            return Ok(score);
        }
        let score = compute()?;
        *kept = Some(score);
        Ok(score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Tensor};

    fn map(value: f32) -> RankedMap {
        RankedMap {
            display: Tensor::zeros([1, 1, 2, 2], &Device::flex()),
            ranking: vec![value; 4],
        }
    }

    #[test]
    fn a_kept_map_is_reused_only_for_the_same_method_and_class() {
        let cache = CleanCache::default();
        let config = ExplainConfig::default();
        let first: Result<_, ()> = cache.explanation(&config, 0, || Ok(map(1.0)));
        assert_eq!(first.unwrap().ranking, vec![1.0; 4]);
        let again: Result<_, ()> = cache.explanation(&config, 0, || Ok(map(2.0)));
        assert_eq!(again.unwrap().ranking, vec![1.0; 4], "kept");
        let other_class: Result<_, ()> = cache.explanation(&config, 1, || Ok(map(3.0)));
        assert_eq!(other_class.unwrap().ranking, vec![3.0; 4], "recomputed");
        let other_method = ExplainConfig {
            samples: config.samples + 1,
            ..config
        };
        let changed: Result<_, ()> = cache.explanation(&other_method, 1, || Ok(map(4.0)));
        assert_eq!(changed.unwrap().ranking, vec![4.0; 4], "recomputed");
    }

    #[test]
    fn the_squeeze_score_is_computed_once_and_errors_are_not_kept() {
        let cache = CleanCache::default();
        assert!(cache.squeeze_score(|| Err("no")).is_err());
        assert_eq!(cache.squeeze_score::<()>(|| Ok(0.25)), Ok(0.25));
        assert_eq!(cache.squeeze_score::<()>(|| Ok(0.75)), Ok(0.25));
    }
}
