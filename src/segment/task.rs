//! The segmentation tasks our U-Nets solve: what the foreground is and where its data set is.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A segmentation task with one foreground class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SegmentationTask {
    /// Fetal head in 2D ultrasound (HC18, van den Heuvel et al. 2018): skull and everything
    /// inside it; its circumference gives the gestational age.
    FetalHead,
}

impl SegmentationTask {
    /// Every task.
    pub const ALL: [Self; 1] = [Self::FetalHead];

    /// The foreground in words.
    #[must_use]
    pub fn foreground(self) -> &'static str {
        match self {
            Self::FetalHead => "fetal head",
        }
    }

    /// The folder and file of its data set under `../shared/datasets`.
    #[must_use]
    pub fn dataset_file(self) -> &'static str {
        match self {
            Self::FetalHead => "hc18_fetal_head_128/hc18_fetal_head_128.npz",
        }
    }

    /// The per-image metadata beside the data set (pixel sizes, official measurements).
    #[must_use]
    pub fn metadata_file(self) -> &'static str {
        match self {
            Self::FetalHead => "hc18_fetal_head_128/metadata.csv.gz",
        }
    }
}

impl fmt::Display for SegmentationTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::FetalHead => "fetal-head",
        })
    }
}

impl FromStr for SegmentationTask {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|task| task.to_string() == text)
            .ok_or_else(|| format!("unknown segmentation task '{text}': expected fetal-head"))
    }
}
