//! Networks: the compact CNN and the ResNet-18 adapted to 128×128 single-channel input,
//! with input normalisation inside the model (attacks work on the [0, 1] pixel scale), weights
//! in and out as PyTorch-compatible safetensors, model cards, and the shipped-model registry; and the U-Net
//! that segments (its cards and registry live with segmentation, `src/segment/`).

mod architecture;
mod card;
mod classifier;
mod compact_cnn;
mod error;
mod fold;
mod input_norm;
mod lowered_conv;
mod lowered_conv_kernel;
mod max_pool;
mod max_pool_kernel;
mod pool_window;
mod records;
mod registry;
mod resnet;
mod smoothing_base;
mod task;
mod unet;
mod unroll;
mod weights;

pub use architecture::{Architecture, ModelSpec};
pub use card::{DatasetInfo, ModelCard, SampleCheck, read_card};
pub use classifier::{Classifier, ClassifierOutput};
pub use compact_cnn::{CompactCnn, CompactCnnConfig};
pub use error::ModelError;
pub use input_norm::{InputNorm, InputNormalization, normalize_input};
pub use records::{DetectorCalibration, NeededNorm, RobustnessRow, RobustnessTable};
pub(crate) use registry::probe_scans;
pub use registry::{
    LoadedModel, ModelPair, ShippedModel, assets_dir, find_shipped, list_shipped, load_model_files,
    load_shipped,
};
pub use resnet::{ResNet18, ResNet18Config};
pub use smoothing_base::SmoothingBase;
pub use task::Task;
pub use unet::{UNet, UNetConfig};
pub use weights::{load_module, load_weights, save_module, save_weights};
