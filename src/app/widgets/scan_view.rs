//! One scan view: draws its image (shader or texture), zooms with the scroll wheel or a
//! pinch, pans by dragging, resets on double-click, and reports the pixel under the cursor.
//! Every view shares one [`ViewState`], so they move together.

use eframe::egui::{self, Color32, Rect, Sense, Stroke, StrokeKind, Vec2};
use eframe::egui_wgpu;

use crate::app::colormap_gpu::{ShaderParams, ViewCallback};
use crate::app::theme;
use crate::app::view_images::{ViewImages, ViewRenderer};
use crate::app::view_state::{ViewKind, ViewState};
use crate::attacks::Region;
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
    /// The region the attack is confined to, outlined on every view.
    pub region: Option<Region>,
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
    outline_region(ui, rect, uv, sources.region, state.region_tool.preview());
    ui.painter().rect_stroke(
        rect,
        2.0,
        Stroke::new(1.0, ui.visuals().widgets.noninteractive.bg_stroke.color),
        StrokeKind::Outside,
    );
    let drawing = kind == ViewKind::Original && state.region_tool.drawing;
    if drawing {
        draw_region(&response, rect, state);
    }
    handle_input(ui, &response, rect, state, sources.result, !drawing);
    response.on_hover_text(if drawing {
        "Drag a rectangle: the attack will change only the pixels inside it".to_string()
    } else {
        format!(
            "{}: scroll to zoom, drag to pan, double-click to reset",
            kind.title()
        )
    })
}

/// A drag on the original while the region tool is on: the rectangle from where it started to
/// the pointer, handed over on release.
fn draw_region(response: &egui::Response, rect: Rect, state: &mut ViewState) {
    let Some(pointer) = response.interact_pointer_pos() else {
        return;
    };
    let at = state.uv_at(rect, pointer);
    if response.drag_started() {
        state.region_tool.drag = Some([at, at]);
    } else if let Some([start, _]) = state.region_tool.drag {
        state.region_tool.drag = Some([start, at]);
    }
    if response.drag_stopped() {
        state.region_tool.finished = state.region_tool.preview();
        state.region_tool.drag = None;
    }
}

/// Outlines the attack's region (solid) and the one being drawn (dashed) on a view.
fn outline_region(
    ui: &egui::Ui,
    rect: Rect,
    uv: Rect,
    region: Option<Region>,
    preview: Option<Rect>,
) {
    let to_screen = |u: f32, v: f32| {
        egui::pos2(
            rect.min.x + (u - uv.min.x) / uv.width() * rect.width(),
            rect.min.y + (v - uv.min.y) / uv.height() * rect.height(),
        )
    };
    let painter = ui.painter().with_clip_rect(rect);
    if let Some(region) = region {
        let screen = Rect::from_min_max(
            to_screen(region.left as f32, region.top as f32),
            to_screen(region.right as f32, region.bottom as f32),
        );
        painter.rect_stroke(
            screen,
            0.0,
            Stroke::new(2.0, theme::MARKER),
            StrokeKind::Middle,
        );
    }
    if let Some(drawn) = preview {
        let screen = Rect::from_min_max(
            to_screen(drawn.min.x, drawn.min.y),
            to_screen(drawn.max.x, drawn.max.y),
        );
        let corners = [
            screen.left_top(),
            screen.right_top(),
            screen.right_bottom(),
            screen.left_bottom(),
            screen.left_top(),
        ];
        for pair in corners.windows(2) {
            painter.extend(egui::Shape::dashed_line(
                pair,
                Stroke::new(2.0, theme::MARKER),
                6.0,
                4.0,
            ));
        }
    }
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
    pan: bool,
) {
    if pan && response.dragged() {
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
