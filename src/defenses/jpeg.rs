//! JPEG re-compression: the image is encoded at a quality and decoded again (on the CPU, as a
//! file round trip is; the transform is not differentiable, which is the point).

use std::io::Cursor;
use std::ops::RangeInclusive;

use burn::tensor::{Tensor, TensorData};
use image::codecs::jpeg::JpegEncoder;
use image::{ExtendedColorType, ImageDecoder};
use serde::{Deserialize, Serialize};

use super::DefenseError;
use super::param::check;

/// JPEG re-compression's parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JpegConfig {
    /// Quality, [`Self::QUALITY`].
    #[serde(rename = "jpeg_quality")]
    pub quality: u8,
}

impl JpegConfig {
    /// The qualities accepted.
    pub const QUALITY: RangeInclusive<u8> = 1..=100;

    /// Checks the quality.
    ///
    /// # Errors
    /// [`DefenseError::InvalidParameter`].
    pub fn validate(&self) -> Result<(), DefenseError> {
        check("JPEG quality", self.quality, &Self::QUALITY)
    }

    /// In words.
    #[must_use]
    pub fn describe(&self) -> String {
        format!("JPEG quality {}", self.quality)
    }
}

impl Default for JpegConfig {
    fn default() -> Self {
        Self { quality: 75 }
    }
}

/// Encodes each image of the batch as an 8-bit grey JPEG at `quality` and decodes it.
///
/// # Errors
/// [`DefenseError::Failed`] if reading back, encoding or decoding fails.
pub fn jpeg_recompress(images: &Tensor<4>, quality: u8) -> Result<Tensor<4>, DefenseError> {
    let failed = |err: &dyn std::fmt::Display| DefenseError::Failed(err.to_string());
    let [batch, channels, height, width] = images.dims();
    let values: Vec<f32> = images
        .clone()
        .try_into_data()
        .map_err(|err| failed(&format!("{err:?}")))?
        .try_to_vec()
        .map_err(|err| failed(&format!("{err:?}")))?;
    let plane = height * width;
    let mut output = Vec::with_capacity(values.len());
    for chunk in values.chunks(plane) {
        let bytes: Vec<u8> = chunk
            .iter()
            .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
            .collect();
        let mut encoded = Vec::new();
        JpegEncoder::new_with_quality(&mut encoded, quality)
            .encode(&bytes, width as u32, height as u32, ExtendedColorType::L8)
            .map_err(|err| failed(&err))?;
        let decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(&encoded))
            .map_err(|err| failed(&err))?;
        let mut decoded = vec![0u8; decoder.total_bytes() as usize];
        decoder
            .read_image(&mut decoded)
            .map_err(|err| failed(&err))?;
        output.extend(decoded.into_iter().map(|v| f32::from(v) / 255.0));
    }
    Ok(Tensor::from_data(
        TensorData::new(output, [batch, channels, height, width]),
        &images.device(),
    ))
}
