//! The labelled data sets under `../shared/datasets` (training and evaluation only: never
//! copied into the repository): `.npz` files of `uint8 (N, H, W)` images and `uint8 (N,)`
//! labels per split, read into the one labelled-image type that class folders also use.

mod labelled_images;
mod npz;

pub use labelled_images::LabelledImages;
pub use npz::{Dataset, DatasetError, load_dataset, sha256_file, shared_datasets_dir};
pub(crate) use npz::{open_archive, read_grey_stack};
