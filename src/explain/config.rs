//! What defines an explanation run: the method and its parameters.

use serde::{Deserialize, Serialize};

use super::{ExplainError, ExplainMethod};

/// The baseline Integrated Gradients starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Baseline {
    /// An all-black scan (Captum's default, zeros).
    #[default]
    Black,
    /// The scan blurred (Gaussian, σ = 8 pixels): keeps the brightness, removes the detail.
    Blurred,
    /// Uniform noise in [0, 1] (seeded).
    Noise,
}

impl Baseline {
    /// Every baseline, in menu order.
    pub const ALL: [Self; 3] = [Self::Black, Self::Blurred, Self::Noise];

    /// In words.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Black => "black",
            Self::Blurred => "blurred",
            Self::Noise => "uniform noise",
        }
    }
}

/// An explanation method and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExplainConfig {
    /// The method.
    pub method: ExplainMethod,
    /// The class the clean and the adversarial map explain.
    pub target: super::ExplainTarget,
    /// The convolutional block the CAM family reads, 0-based; `None` for the last.
    pub layer: Option<usize>,
    /// SmoothGrad's noisy copies.
    pub samples: usize,
    /// SmoothGrad's noise σ on the [0, 1] scale.
    pub sigma: f64,
    /// Integrated Gradients' steps along the path.
    pub steps: usize,
    /// Integrated Gradients' baseline.
    pub baseline: Baseline,
    /// Seed of SmoothGrad's noise and the noise baseline.
    pub seed: u64,
    /// Occlusion's square window, in pixels.
    pub occlusion_window: usize,
    /// Occlusion's stride, in pixels.
    pub occlusion_stride: usize,
    /// Also measure the maps' deletion and insertion curves (Petsiuk et al. 2018): 66 more
    /// forward passes per map.
    pub deletion_insertion: bool,
    /// Also run the cascading-randomisation sanity check (Adebayo et al. 2018) on the clean
    /// scan's map: one more map per layer of the model.
    pub sanity_check: bool,
}

impl Default for ExplainConfig {
    fn default() -> Self {
        Self {
            method: ExplainMethod::GradCam,
            target: super::ExplainTarget::Predicted,
            layer: None,
            samples: 25,
            sigma: 0.15,
            steps: 32,
            baseline: Baseline::Black,
            seed: 0,
            occlusion_window: 16,
            occlusion_stride: 8,
            deletion_insertion: false,
            sanity_check: false,
        }
    }
}

impl ExplainConfig {
    /// The default parameters of a method.
    #[must_use]
    pub fn new(method: ExplainMethod) -> Self {
        Self {
            method,
            ..Self::default()
        }
    }

    /// Checks the parameters the method uses (SmoothGrad's copies and σ, Integrated
    /// Gradients' steps).
    ///
    /// # Errors
    /// [`ExplainError::InvalidParameter`] naming the bad value.
    pub fn validate(&self) -> Result<(), ExplainError> {
        let bad = |message: String| Err(ExplainError::InvalidParameter(message));
        let smoothing = self.method == ExplainMethod::SmoothGrad;
        let integrating = self.method == ExplainMethod::IntegratedGradients;
        if smoothing && !(1..=500).contains(&self.samples) {
            return bad(format!(
                "SmoothGrad samples must be 1–500, got {}",
                self.samples
            ));
        }
        if smoothing && !(self.sigma.is_finite() && (0.0..=1.0).contains(&self.sigma)) {
            return bad(format!("SmoothGrad σ must be 0–1, got {}", self.sigma));
        }
        if integrating && !(1..=1000).contains(&self.steps) {
            return bad(format!(
                "Integrated Gradients steps must be 1–1000, got {}",
                self.steps
            ));
        }
        if self.method == ExplainMethod::Occlusion
            && !((1..=4096).contains(&self.occlusion_window)
                && (1..=self.occlusion_window).contains(&self.occlusion_stride))
        {
            return bad(format!(
                "occlusion needs a window of 1–4096 px and a stride from 1 to the window, got {} and {}",
                self.occlusion_window, self.occlusion_stride
            ));
        }
        Ok(())
    }

    /// Whether a map takes many model passes (Score-CAM, occlusion, the curves or the sanity
    /// check): the window then redraws when the ε slider is released, not while it moves.
    #[must_use]
    pub fn is_slow(&self) -> bool {
        matches!(
            self.method,
            ExplainMethod::ScoreCam | ExplainMethod::Occlusion
        ) || self.deletion_insertion
            || self.sanity_check
    }

    /// The run in words: `Grad-CAM`, `SmoothGrad (25 × σ 0.15)`, `Integrated Gradients (32
    /// steps from black)`.
    #[must_use]
    pub fn describe(&self) -> String {
        self.describe_for(&[])
    }

    /// The run in words, naming a chosen class by its name (`Grad-CAM for class PNEUMONIA`).
    #[must_use]
    pub fn describe_for(&self, classes: &[String]) -> String {
        let method = match (self.method.is_cam(), self.layer) {
            (true, Some(block)) => format!("{} on block {}", self.describe_method(), block + 1),
            _ => self.describe_method(),
        };
        if self.target == super::ExplainTarget::Predicted {
            method
        } else {
            format!("{method} for {}", self.target.describe(classes))
        }
    }

    /// The method and its parameters in words, without the class.
    fn describe_method(&self) -> String {
        match self.method {
            ExplainMethod::SmoothGrad => {
                format!("SmoothGrad ({} × σ {})", self.samples, self.sigma)
            }
            ExplainMethod::IntegratedGradients => format!(
                "Integrated Gradients ({} steps from {})",
                self.steps,
                self.baseline.label()
            ),
            ExplainMethod::Occlusion => format!(
                "Occlusion ({} px window, stride {})",
                self.occlusion_window, self.occlusion_stride
            ),
            method => method.label().to_string(),
        }
    }
}
