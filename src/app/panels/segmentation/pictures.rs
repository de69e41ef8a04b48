//! The segmentation view's pictures, uploaded once per result.

use eframe::egui::{self, ColorImage, TextureHandle, TextureOptions};

use crate::export::segmentation_panels;
use crate::segment::SegmentationResult;

/// The uploaded pictures and the result they show.
#[derive(Default)]
pub struct SegmentationPictures {
    result_id: Option<u64>,
    textures: Vec<(&'static str, TextureHandle)>,
}

impl SegmentationPictures {
    /// The titled textures of result `result_id`, uploading them if they are not yet.
    pub fn textures(
        &mut self,
        ctx: &egui::Context,
        result_id: u64,
        result: &SegmentationResult,
    ) -> &[(&'static str, TextureHandle)] {
        if self.result_id != Some(result_id) {
            self.textures = segmentation_panels(result)
                .into_iter()
                .enumerate()
                .map(|(index, panel)| {
                    let rgb: Vec<u8> = panel.pixels.iter().flatten().copied().collect();
                    let texture = ctx.load_texture(
                        format!("segmentation-{index}"),
                        ColorImage::from_rgb([panel.side, panel.side], &rgb),
                        TextureOptions::NEAREST,
                    );
                    (panel.title, texture)
                })
                .collect();
            self.result_id = Some(result_id);
        }
        &self.textures
    }
}
