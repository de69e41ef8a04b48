//! The explanation methods, their names and one-sentence explanations.

use serde::{Deserialize, Serialize};

/// An explanation method: the class-activation-map family on a convolutional block, or a
/// gradient attribution on the input pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExplainMethod {
    /// Grad-CAM (Selvaraju et al. 2017): channels weighted by their mean gradient.
    #[default]
    GradCam,
    /// Grad-CAM++ (Chattopadhay et al. 2018): higher-order weights for several objects.
    GradCamPlusPlus,
    /// XGrad-CAM (Fu et al. 2020): channels weighted by activation-normalised gradients.
    XGradCam,
    /// HiResCAM (Draelos & Carin 2020): gradient times activation, element by element.
    HiResCam,
    /// Layer-CAM (Jiang et al. 2021): positive gradients times activations.
    LayerCam,
    /// Eigen-CAM (Muhammad & Yeasin 2020): the first principal component of the
    /// activations; no gradient, no class.
    EigenCam,
    /// Score-CAM (Wang et al. 2020): channels weighted by the class score of the scan masked
    /// with each channel; no gradient.
    ScoreCam,
    /// Vanilla gradient saliency (Simonyan et al. 2014): |∂score/∂pixel|.
    Saliency,
    /// Gradient × input (Shrikumar et al. 2016).
    GradientTimesInput,
    /// SmoothGrad (Smilkov et al. 2017): saliency averaged over noisy copies.
    SmoothGrad,
    /// Integrated Gradients (Sundararajan et al. 2017): gradients along the path from a
    /// baseline, times the difference.
    IntegratedGradients,
    /// Occlusion (Zeiler & Fergus 2014): how much the class score drops when a sliding window
    /// hides each place; no gradient.
    Occlusion,
}

impl ExplainMethod {
    /// Every method, in menu order.
    pub const ALL: [Self; 12] = [
        Self::GradCam,
        Self::GradCamPlusPlus,
        Self::XGradCam,
        Self::HiResCam,
        Self::LayerCam,
        Self::EigenCam,
        Self::ScoreCam,
        Self::Saliency,
        Self::GradientTimesInput,
        Self::SmoothGrad,
        Self::IntegratedGradients,
        Self::Occlusion,
    ];

    /// The name menus, titles and tables show.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::GradCam => "Grad-CAM",
            Self::GradCamPlusPlus => "Grad-CAM++",
            Self::XGradCam => "XGrad-CAM",
            Self::HiResCam => "HiResCAM",
            Self::LayerCam => "Layer-CAM",
            Self::EigenCam => "Eigen-CAM",
            Self::ScoreCam => "Score-CAM",
            Self::Saliency => "Gradient saliency",
            Self::GradientTimesInput => "Gradient × input",
            Self::SmoothGrad => "SmoothGrad",
            Self::IntegratedGradients => "Integrated Gradients",
            Self::Occlusion => "Occlusion",
        }
    }

    /// The command-line name.
    #[must_use]
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::GradCam => "gradcam",
            Self::GradCamPlusPlus => "gradcam++",
            Self::XGradCam => "xgradcam",
            Self::HiResCam => "hirescam",
            Self::LayerCam => "layercam",
            Self::EigenCam => "eigencam",
            Self::ScoreCam => "scorecam",
            Self::Saliency => "saliency",
            Self::GradientTimesInput => "gradient-x-input",
            Self::SmoothGrad => "smoothgrad",
            Self::IntegratedGradients => "integrated-gradients",
            Self::Occlusion => "occlusion",
        }
    }

    /// One sentence in plain words, for the menu.
    #[must_use]
    pub fn explanation(self) -> &'static str {
        match self {
            Self::GradCam => {
                "Weights each feature map of the last block by how much the class score rises with it, on average."
            }
            Self::GradCamPlusPlus => {
                "Grad-CAM with weights that count every positive contribution, so several regions can light up."
            }
            Self::XGradCam => {
                "Grad-CAM with weights scaled by each map's own activation, which makes the map more faithful."
            }
            Self::HiResCam => {
                "Multiplies gradients and activations place by place, so the map shows exactly what raised the score."
            }
            Self::LayerCam => {
                "Keeps only the places where the gradient is positive, then adds up gradient times activation."
            }
            Self::EigenCam => {
                "The main pattern in the last block's feature maps: no gradient and no class, just what the model sees most."
            }
            Self::ScoreCam => {
                "Shows the scan through each feature map as a mask and weights the maps by how much the class score stays."
            }
            Self::Saliency => {
                "How much the class score changes when each pixel changes a little: the raw sensitivity."
            }
            Self::GradientTimesInput => {
                "Sensitivity times the pixel's own value: how much each pixel contributes, to first order."
            }
            Self::SmoothGrad => {
                "Sensitivity averaged over many slightly noisy copies of the scan, which removes the speckle."
            }
            Self::IntegratedGradients => {
                "Adds up the sensitivity along the way from a blank scan to this one: the contributions sum to the score change."
            }
            Self::Occlusion => {
                "Hides one square at a time and measures how much the class score drops: no gradient involved."
            }
        }
    }

    /// Whether it maps a convolutional block (coarse, upsampled) rather than the input pixels.
    #[must_use]
    pub fn is_cam(self) -> bool {
        matches!(
            self,
            Self::GradCam
                | Self::GradCamPlusPlus
                | Self::XGradCam
                | Self::HiResCam
                | Self::LayerCam
                | Self::EigenCam
                | Self::ScoreCam
        )
    }
}

impl std::fmt::Display for ExplainMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.cli_name())
    }
}

impl std::str::FromStr for ExplainMethod {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|m| m.cli_name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|m| m.cli_name()).collect();
                format!(
                    "unknown explanation '{text}': expected one of {}",
                    names.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for method in ExplainMethod::ALL {
            assert_eq!(method.cli_name().parse::<ExplainMethod>(), Ok(method));
            assert!(!method.label().is_empty() && !method.explanation().is_empty());
        }
        assert!("nonsense".parse::<ExplainMethod>().is_err());
    }
}
