//! Shared zoom, pan and pixel probe of the side-by-side views, and the region being drawn on
//! the original.

use eframe::egui::{Pos2, Rect, Vec2, pos2, vec2};

pub use crate::export::{ViewKind, perturbation_scale};

/// Zoom and pan shared by every view, and the probed pixel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewState {
    /// 1 = the whole image fits.
    pub zoom: f32,
    /// Centre of the visible region in texture coordinates.
    pub center: Vec2,
    /// The pixel under the cursor, if any.
    pub probe: Option<[usize; 2]>,
    /// The region tool: whether a drag on the original draws a region, and the drag so far.
    pub region_tool: RegionTool,
}

impl Default for ViewState {
    fn default() -> Self {
        Self {
            zoom: 1.0,
            center: vec2(0.5, 0.5),
            probe: None,
            region_tool: RegionTool::default(),
        }
    }
}

/// Drawing a region on the original view: while `drawing`, a drag there draws a rectangle
/// (in texture coordinates, i.e. fractions of the image) instead of panning.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RegionTool {
    /// A drag on the original draws the region.
    pub drawing: bool,
    /// The corner where the drag started and where the pointer is now.
    pub drag: Option<[Pos2; 2]>,
    /// A rectangle drawn and released this frame, not yet handed to the attack.
    pub finished: Option<Rect>,
}

impl RegionTool {
    /// The rectangle being drawn, clamped to the image.
    #[must_use]
    pub fn preview(&self) -> Option<Rect> {
        self.drag.map(|[a, b]| clamped_rect(a, b))
    }
}

/// The rectangle spanned by two texture points, clamped to [0, 1]².
#[must_use]
pub fn clamped_rect(a: Pos2, b: Pos2) -> Rect {
    let clamp = |p: Pos2| pos2(p.x.clamp(0.0, 1.0), p.y.clamp(0.0, 1.0));
    Rect::from_two_pos(clamp(a), clamp(b))
}

/// Largest zoom factor.
pub const MAX_ZOOM: f32 = 32.0;

impl ViewState {
    /// The visible region in texture coordinates.
    #[must_use]
    pub fn uv_rect(&self) -> Rect {
        let half = 0.5 / self.zoom;
        Rect::from_min_max(
            pos2(self.center.x - half, self.center.y - half),
            pos2(self.center.x + half, self.center.y + half),
        )
    }

    /// Texture coordinates of a screen point inside `rect`.
    #[must_use]
    pub fn uv_at(&self, rect: Rect, point: Pos2) -> Pos2 {
        let uv = self.uv_rect();
        let t = (point - rect.min) / rect.size();
        pos2(uv.min.x + t.x * uv.width(), uv.min.y + t.y * uv.height())
    }

    /// Zooms by `factor` keeping the texture point under `point` fixed.
    pub fn zoom_about(&mut self, rect: Rect, point: Pos2, factor: f32) {
        let anchor = self.uv_at(rect, point);
        let new_zoom = (self.zoom * factor).clamp(1.0, MAX_ZOOM);
        let ratio = self.zoom / new_zoom;
        self.center = vec2(
            anchor.x + (self.center.x - anchor.x) * ratio,
            anchor.y + (self.center.y - anchor.y) * ratio,
        );
        self.zoom = new_zoom;
        self.clamp_center();
    }

    /// Pans by a screen-space drag inside `rect`.
    pub fn pan(&mut self, rect: Rect, drag: Vec2) {
        self.center -= drag / rect.size() / self.zoom;
        self.clamp_center();
    }

    fn clamp_center(&mut self) {
        let half = 0.5 / self.zoom;
        self.center = vec2(
            self.center.x.clamp(half, 1.0 - half),
            self.center.y.clamp(half, 1.0 - half),
        );
    }

    /// The pixel of an image of `width × height` at texture point `uv`, if inside.
    #[must_use]
    pub fn pixel_at(uv: Pos2, width: usize, height: usize) -> Option<[usize; 2]> {
        let inside = (0.0..1.0).contains(&uv.x) && (0.0..1.0).contains(&uv.y);
        inside.then_some([
            (uv.x * width as f32) as usize,
            (uv.y * height as f32) as usize,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zooming_keeps_the_point_under_the_cursor() {
        let rect = Rect::from_min_size(pos2(10.0, 10.0), vec2(100.0, 100.0));
        let mut state = ViewState::default();
        let cursor = pos2(35.0, 60.0);
        let before = state.uv_at(rect, cursor);
        state.zoom_about(rect, cursor, 4.0);
        let after = state.uv_at(rect, cursor);
        assert!((before - after).length() < 1e-5, "{before:?} vs {after:?}");
        assert_eq!(state.zoom, 4.0);
    }

    #[test]
    fn panning_stays_inside_the_image() {
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(100.0, 100.0));
        let mut state = ViewState::default();
        state.pan(rect, vec2(50.0, 0.0));
        assert_eq!(state.center, vec2(0.5, 0.5), "nothing to pan at zoom 1");
        state.zoom_about(rect, pos2(50.0, 50.0), 2.0);
        state.pan(rect, vec2(-1000.0, 0.0));
        assert!((state.uv_rect().max.x - 1.0).abs() < 1e-6);
    }

    #[test]
    fn a_drawn_region_is_clamped_to_the_image_whichever_way_it_is_dragged() {
        let rect = clamped_rect(pos2(0.8, 1.3), pos2(-0.2, 0.4));
        assert_eq!(rect, Rect::from_min_max(pos2(0.0, 0.4), pos2(0.8, 1.0)));
    }

    #[test]
    fn pixel_lookup() {
        assert_eq!(
            ViewState::pixel_at(pos2(0.5, 0.25), 128, 128),
            Some([64, 32])
        );
        assert_eq!(ViewState::pixel_at(pos2(1.2, 0.25), 128, 128), None);
    }
}
