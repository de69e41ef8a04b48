//! One scan view: draws its image (shader or texture), zooms with the scroll wheel or a
//! pinch, pans by dragging, resets on double-click, and reports the pixel under the cursor.
//! Every view shares one [`ViewState`], so they move together.

use eframe::egui::{self, Color32, Rect, Sense, Stroke, StrokeKind, Vec2};
use eframe::egui_wgpu;

use crate::app::colormap_gpu::{ShaderParams, ViewCallback};
use crate::app::theme;
use crate::app::view_images::{ViewImages, ViewRenderer};
use crate::app::view_state::{ViewKind, ViewState};
use crate::pipeline::AttackResult;

/// What every view of one frame draws from.
pub struct ViewSources<'a> {
    /// Shader or CPU colour map.
    pub renderer: &'a ViewRenderer,
    /// The uploaded images.
    pub images: &'a ViewImages,
    /// The result shown.
    pub result: &'a AttackResult,
    /// Grad-CAM opacity.
    pub opacity: f32,
}

/// Draws one view of `side` points; updates the shared view state from the user's input.
pub fn scan_view_ui(
    ui: &mut egui::Ui,
    kind: ViewKind,
    side: f32,
    state: &mut ViewState,
    sources: &ViewSources<'_>,
) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), Sense::click_and_drag());
    let uv = state.uv_rect();
    match sources.renderer {
        ViewRenderer::Gpu(_) => {
            let params = ShaderParams::new(
                kind.mode(sources.result, sources.opacity),
                [uv.min.x, uv.min.y],
                [uv.max.x, uv.max.y],
            );
            let callback = ViewCallback {
                key: sources.images.gpu_key(kind),
                params,
            };
            ui.painter()
                .add(egui_wgpu::Callback::new_paint_callback(rect, callback));
        }
        ViewRenderer::Cpu => {
            if let Some(texture) = sources.images.texture(kind) {
                ui.painter().image(texture.id(), rect, uv, Color32::WHITE);
            }
        }
    }
    if matches!(kind, ViewKind::Adversarial | ViewKind::Perturbation) {
        mark_changed_pixels(ui, rect, uv, sources.result);
    }
    ui.painter().rect_stroke(
        rect,
        2.0,
        Stroke::new(1.0, ui.visuals().widgets.noninteractive.bg_stroke.color),
        StrokeKind::Outside,
    );
    handle_input(ui, &response, rect, state, sources.result);
    response.on_hover_text(format!(
        "{}: scroll to zoom, drag to pan, double-click to reset",
        kind.title()
    ))
}

/// Most changed pixels that are circled one by one; a denser perturbation is not marked.
const MARKED_PIXELS: usize = 256;

/// Circles each pixel a sparse attack changed, so that a hall can see the few it needed.
fn mark_changed_pixels(ui: &egui::Ui, rect: Rect, uv: Rect, result: &AttackResult) {
    let Some(points) = result.changed_pixels(MARKED_PIXELS) else {
        return;
    };
    let (width, height) = (
        result.perturbation.width as f32,
        result.perturbation.height as f32,
    );
    let radius = (rect.width() / width / uv.width() * 1.5).max(5.0);
    let painter = ui.painter().with_clip_rect(rect);
    for (column, row) in points {
        let u = (column as f32 + 0.5) / width;
        let v = (row as f32 + 0.5) / height;
        let x = rect.min.x + (u - uv.min.x) / uv.width() * rect.width();
        let y = rect.min.y + (v - uv.min.y) / uv.height() * rect.height();
        painter.circle_stroke(egui::pos2(x, y), radius, Stroke::new(2.0, theme::MARKER));
    }
}

fn handle_input(
    ui: &egui::Ui,
    response: &egui::Response,
    rect: Rect,
    state: &mut ViewState,
    result: &AttackResult,
) {
    if response.dragged() {
        state.pan(rect, response.drag_delta());
    }
    if response.double_clicked() {
        *state = ViewState {
            probe: state.probe,
            ..ViewState::default()
        };
    }
    if let Some(pointer) = response.hover_pos() {
        let (scroll, zoom) = ui.input(|i| (i.smooth_scroll_delta.y, i.zoom_delta()));
        let factor = zoom * (scroll / 200.0).exp();
        if (factor - 1.0).abs() > 1e-4 {
            state.zoom_about(rect, pointer, factor);
        }
        state.probe = ViewState::pixel_at(
            state.uv_at(rect, pointer),
            result.original.width,
            result.original.height,
        );
    }
}
