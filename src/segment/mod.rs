//! Segmentation, the second task family: a U-Net that outlines one structure (the fetal head
//! in ultrasound, HC18), trained on real sonographer masks, scored by Dice, IoU and the
//! clinical measurement it feeds (head circumference in millimetres), and attacked on the mask
//! itself — FGSM, BIM and PGD ascending BCE or soft-Dice against the true mask, or pulling the
//! prediction towards a target mask. Kept apart from the classifiers: its own cards in
//! `assets/segmenters/`, its own data-set reader, the same attack conventions.

mod attack;
mod augment;
mod card;
mod dataset;
mod evaluate;
mod loss;
mod metadata;
mod metrics;
mod recipe;
mod registry;
mod robustness;
mod scan_input;
mod scan_result;
mod target;
mod task;
mod train;

pub use attack::{SEGMENTATION_ATTACKS, SegmentationAttack};
pub use augment::PairAugmentation;
pub use card::{DiceCheck, SegmentationScores, SegmenterCard, SegmenterSpec};
pub use dataset::{MaskedImages, SegmentationDataset, load_segmentation_dataset};
pub use evaluate::{
    ImageScore, SegmentationTransform, predicted_masks, score_image, score_split, summarize,
};
pub use loss::{bce_dice_loss, bce_per_image, soft_dice_loss_per_image};
pub use metadata::{ImageMetadata, parse_metadata, read_metadata};
pub use metrics::{FittedEllipse, dice, fit_ellipse, hausdorff_95, iou, mean_iou};
pub use recipe::{RecipeAttack, SegmentationExpectation, SegmentationRecipe};
pub use registry::{
    LoadedSegmenter, list_segmenters, load_segmenter, load_segmenter_files, segmenters_dir,
};
pub use robustness::{
    SegmentationPlan, SegmentationRow, SegmentationTable, dice_halving_epsilon,
    evaluate_segmentation_robustness,
};
pub use scan_input::{
    PreparedScan, pad_to_square, prepare_scan, read_mask, segmentation_input, sidecar_pixel_size,
};
pub use scan_result::{
    DefendedMask, SegmentationDefense, SegmentationResult, foreground_saliency, segment_scan,
};
pub use target::{SegmentationLoss, TargetMask};
pub use task::SegmentationTask;
pub use train::{DICE_CHECK_COUNT, SegmentTrainConfig, train_segmenter};

use burn::tensor::Tensor;

use crate::datasets::DatasetError;
use crate::models::ModelError;

/// Errors from segmentation.
#[derive(Debug, thiserror::Error)]
pub enum SegmentationError {
    /// Loading or saving a model.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Reading a data set.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// A parameter out of range, in words.
    #[error("{0}")]
    InvalidParameter(String),
    /// Autodiff produced no input gradient.
    #[error("no gradient reached the input")]
    NoGradient,
    /// A tensor could not be read back from the device.
    #[error("could not read a result back from the device: {0}")]
    ReadBack(String),
    /// Anything else, in words.
    #[error("{0}")]
    Other(String),
}

/// Reads a tensor back to the host.
pub(crate) fn host_values<const D: usize>(
    tensor: Tensor<D>,
) -> Result<Vec<f32>, SegmentationError> {
    tensor
        .try_into_data()
        .map_err(|err| SegmentationError::ReadBack(format!("{err:?}")))?
        .try_to_vec()
        .map_err(|err| SegmentationError::ReadBack(format!("{err:?}")))
}
