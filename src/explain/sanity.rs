//! The cascading-randomisation sanity check of Adebayo et al. 2018 ("Sanity checks for
//! saliency maps", §3.1): the model's layers are replaced by freshly initialised ones from the
//! top down — the linear head first, then each convolutional block — and the map is drawn again
//! after each step, for the same scan and class. A map that explains the model changes as its
//! weights are destroyed; one that still looks the same after every layer is random shows
//! the scan (edges, brightness), not the model, and is flagged.

use burn::module::Module;
use burn::store::{ModuleSnapshot, PathFilter};
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use super::{ExplainConfig, ExplainError, TOP_SHARE, explain, host, spearman, top_iou};
use crate::models::{Architecture, ModelPair, ModelSpec};

/// A map whose Spearman ρ with the original stays at or above this after every layer is
/// randomised is flagged as not depending on the model.
pub const FLAG_SPEARMAN: f64 = 0.5;

/// One step of the cascade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SanityStage {
    /// What is random by now, in words (`head + block 4`).
    pub randomized: String,
    /// Spearman's ρ between this map and the original.
    pub spearman: f64,
    /// IoU of the two maps' top-10 % regions.
    pub top_iou: f64,
    /// The map, in [0, 1], row-major.
    pub map: Vec<f32>,
}

/// The whole cascade for one scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SanityCheck {
    /// The class explained.
    pub class: usize,
    /// One entry per randomised layer, top first.
    pub stages: Vec<SanityStage>,
    /// The map still correlates with the original (ρ ≥ 0.5) once every layer is random: it
    /// does not depend on what the model learned.
    pub flagged: bool,
}

/// The layers in cascade order (top first): a name in words and the parameter-path pattern.
#[must_use]
pub fn cascade_layers(arch: Architecture) -> Vec<(&'static str, &'static str)> {
    match arch {
        Architecture::CompactCnn => vec![
            ("head", r"^classifier\."),
            ("block 4", r"^features\.3\."),
            ("block 3", r"^features\.2\."),
            ("block 2", r"^features\.1\."),
            ("block 1", r"^features\.0\."),
        ],
        Architecture::Resnet18 => vec![
            ("head", r"^fc\."),
            ("layer4", r"^layer4\."),
            ("layer3", r"^layer3\."),
            ("layer2", r"^layer2\."),
            ("layer1", r"^layer1\."),
            ("stem", r"^(conv1|bn1)\."),
        ],
    }
}

/// Runs the cascade for one scan (`[1, 1, h, w]`) and class; the fresh layers are drawn with
/// `seed`.
///
/// # Errors
/// [`ExplainError`] from the explanations, or for a batch of more than one scan.
pub fn cascading_randomization(
    spec: &ModelSpec,
    models: &ModelPair,
    input: &Tensor<4>,
    class: usize,
    config: &ExplainConfig,
    seed: u64,
) -> Result<SanityCheck, ExplainError> {
    let batch = input.dims()[0];
    if batch != 1 {
        return Err(ExplainError::InvalidParameter(format!(
            "the sanity check explains one scan at a time, got {batch}"
        )));
    }
    let original = host(explain(models, input, class, config)?)?;
    let device = models.differentiable.devices().into_iter().next();
    let Some(device) = device.map(burn::tensor::Device::autodiff) else {
        return Err(ExplainError::InvalidParameter(
            "the model has no parameters to randomise".to_string(),
        ));
    };
    device.seed(seed);
    let fresh = spec.init(&device);
    let mut randomized = models.as_given.clone(); // batch norms unfolded: layers stay whole
    let mut stages = Vec::new();
    for (name, pattern) in cascade_layers(spec.arch) {
        let filter = PathFilter::new().with_regex(pattern);
        let layer = fresh.collect(Some(filter), None, true);
        let applied = randomized.apply(layer, None, None, true);
        if applied.applied.is_empty() || !applied.errors.is_empty() {
            return Err(ExplainError::InvalidParameter(format!(
                "could not randomise the {name} of this {}: {} tensors replaced, {} errors",
                spec.arch,
                applied.applied.len(),
                applied.errors.len()
            )));
        }
        let pair = ModelPair::new(randomized.clone());
        let map = host(explain(&pair, input, class, config)?)?;
        let words = match stages.last() {
            Some(SanityStage { randomized, .. }) => format!("{randomized} + {name}"),
            None => name.to_string(),
        };
        stages.push(SanityStage {
            randomized: words,
            spearman: spearman(&original, &map),
            top_iou: top_iou(&original, &map, TOP_SHARE),
            map,
        });
    }
    let flagged = stages
        .last()
        .is_some_and(|stage| stage.spearman >= FLAG_SPEARMAN);
    Ok(SanityCheck {
        class,
        stages,
        flagged,
    })
}
