//! The medical tasks our models solve, with their class names in label order.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A classification task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// Paediatric chest X-ray, normal vs pneumonia (Kermany et al. 2018).
    ChestXray,
    /// Brain MRI, four tumour classes (Nickparvar, Kaggle).
    BrainMri,
}

impl Task {
    /// Every task.
    pub const ALL: [Self; 2] = [Self::ChestXray, Self::BrainMri];

    /// Class names in label order.
    #[must_use]
    pub fn classes(self) -> &'static [&'static str] {
        match self {
            Self::ChestXray => &["NORMAL", "PNEUMONIA"],
            Self::BrainMri => &["glioma", "meningioma", "notumor", "pituitary"],
        }
    }

    /// Number of classes.
    #[must_use]
    pub fn num_classes(self) -> usize {
        self.classes().len()
    }

    /// The folder and file of its training set under `../shared/datasets`.
    #[must_use]
    pub fn dataset_file(self) -> &'static str {
        match self {
            Self::ChestXray => "chest_xray_pneumonia_128/chest_xray_pneumonia_128.npz",
            Self::BrainMri => "brain_tumor_mri_128/brain_tumor_mri_128.npz",
        }
    }

    /// The index of a class name (case-insensitive), if it exists.
    #[must_use]
    pub fn class_index(self, name: &str) -> Option<usize> {
        self.classes()
            .iter()
            .position(|class| class.eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ChestXray => "chest-xray",
            Self::BrainMri => "brain-mri",
        })
    }
}

impl FromStr for Task {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|task| task.to_string() == text)
            .ok_or_else(|| format!("unknown task '{text}': expected chest-xray or brain-mri"))
    }
}
