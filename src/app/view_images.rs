//! The images of the current result, ready to draw: uploaded once per result to the GPU for
//! the WGSL colour map, or, where no wgpu renderer exists, colour-mapped on the CPU (the
//! shader's reference) into egui textures.

use std::collections::HashMap;

use eframe::egui::{self, ColorImage, TextureHandle, TextureOptions};
use eframe::egui_wgpu;

use super::colormap_gpu;
use super::view_state::ViewKind;
use crate::export::shade;
use crate::pipeline::AttackResult;

/// How views are drawn.
#[derive(Clone)]
pub enum ViewRenderer {
    /// WGSL shader through paint callbacks.
    Gpu(egui_wgpu::RenderState),
    /// CPU colour map into textures.
    Cpu,
}

impl ViewRenderer {
    /// The renderer for an eframe creation context; installs the shader pipeline when wgpu is
    /// in use.
    #[must_use]
    pub fn from_render_state(render_state: Option<&egui_wgpu::RenderState>) -> Self {
        match render_state {
            Some(state) => {
                colormap_gpu::install(state);
                Self::Gpu(state.clone())
            }
            None => Self::Cpu,
        }
    }

    /// A short name for the status line.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Gpu(_) => "WGSL shader",
            Self::Cpu => "CPU colour map",
        }
    }
}

/// Drawable images of one result. The current result and a pinned one (compare mode) each
/// have their own, told apart by `slot` (0 and 1).
#[derive(Default)]
pub struct ViewImages {
    slot: u64,
    result_id: u64,
    opacity: f32,
    textures: HashMap<ViewKind, TextureHandle>,
    last_upload_ms: f64,
}

impl ViewImages {
    /// The images of a pinned result, kept apart from the current result's.
    #[must_use]
    pub fn pinned() -> Self {
        Self {
            slot: 1,
            ..Self::default()
        }
    }

    /// Whether images of some result were prepared.
    #[must_use]
    pub fn holds_result(&self) -> bool {
        self.result_id != 0
    }

    /// Drops the GPU objects of this slot's views (CPU textures go with `self`).
    pub fn release(&self, renderer: &ViewRenderer) {
        if let ViewRenderer::Gpu(state) = renderer {
            colormap_gpu::retain_views(state, self.slot, &[]);
        }
    }

    /// The key of a view's GPU objects.
    #[must_use]
    pub fn gpu_key(&self, kind: ViewKind) -> u64 {
        (self.result_id * 8 + kind.index()) * 2 + self.slot
    }

    /// How long preparing the last new result's images took (colour map and texture or GPU
    /// buffer upload), in ms.
    #[must_use]
    pub fn last_upload_ms(&self) -> f64 {
        self.last_upload_ms
    }

    /// The CPU texture of a view, if drawn on the CPU.
    #[must_use]
    pub fn texture(&self, kind: ViewKind) -> Option<&TextureHandle> {
        self.textures.get(&kind)
    }

    /// Makes sure the images of `result` (numbered `result_id`) are ready.
    pub fn update(
        &mut self,
        ctx: &egui::Context,
        renderer: &ViewRenderer,
        result: &AttackResult,
        result_id: u64,
        opacity: f32,
    ) {
        let new_result = result_id != self.result_id;
        let new_opacity = (opacity - self.opacity).abs() > f32::EPSILON;
        if !new_result && !new_opacity {
            return;
        }
        self.result_id = result_id;
        self.opacity = opacity;
        let started = std::time::Instant::now();
        match renderer {
            ViewRenderer::Gpu(state) => {
                if new_result {
                    let shown = ViewKind::shown(result);
                    let keys: Vec<u64> = shown.iter().map(|k| self.gpu_key(*k)).collect();
                    colormap_gpu::retain_views(state, self.slot, &keys);
                    for kind in shown {
                        let (base, extra) = kind.images(result);
                        colormap_gpu::prepare_view(state, self.gpu_key(kind), base, extra);
                    }
                }
            }
            ViewRenderer::Cpu => {
                for kind in ViewKind::shown(result) {
                    if new_result || matches!(kind, ViewKind::CamClean | ViewKind::CamAdversarial) {
                        let image = cpu_image(result, kind, opacity);
                        self.textures.insert(
                            kind,
                            ctx.load_texture(
                                format!("view-{}-{kind:?}", self.slot),
                                image,
                                TextureOptions::NEAREST,
                            ),
                        );
                    }
                }
            }
        }
        if new_result {
            self.last_upload_ms = started.elapsed().as_secs_f64() * 1000.0;
        }
    }
}

/// The CPU colour map of one view.
#[must_use]
pub fn cpu_image(result: &AttackResult, kind: ViewKind, opacity: f32) -> ColorImage {
    let (base, extra) = kind.images(result);
    let mode = kind.mode(result, opacity);
    let pixels: Vec<egui::Color32> = base
        .pixels
        .iter()
        .zip(&extra.pixels)
        .map(|(&grey, &value)| {
            let [r, g, b] = shade(mode, grey, value);
            egui::Color32::from_rgb(r, g, b)
        })
        .collect();
    ColorImage::new([base.width, base.height], pixels)
}
