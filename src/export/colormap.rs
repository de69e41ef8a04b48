//! Colour maps for display and export: a blue–white–red diverging map centred on zero for
//! perturbations, and viridis (perceptually uniform) for Grad-CAM blended over the grey scan.
//! These are the CPU reference of `shaders/colormap.wgsl`; [`shade`] is what the shader
//! computes per pixel.

/// Viridis anchors at 0, 1/8, …, 1 (matplotlib's viridis sampled at nine points).
const VIRIDIS: [[f32; 3]; 9] = [
    [68.0, 1.0, 84.0],
    [71.0, 44.0, 122.0],
    [59.0, 81.0, 139.0],
    [44.0, 113.0, 142.0],
    [33.0, 144.0, 141.0],
    [39.0, 173.0, 129.0],
    [92.0, 200.0, 99.0],
    [170.0, 220.0, 50.0],
    [253.0, 231.0, 37.0],
];

const NEGATIVE: [f32; 3] = [33.0, 102.0, 172.0];
const ZERO: [f32; 3] = [247.0, 247.0, 247.0];
const POSITIVE: [f32; 3] = [178.0, 24.0, 43.0];

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn to_u8(rgb: [f32; 3]) -> [u8; 3] {
    rgb.map(|v| v.round().clamp(0.0, 255.0) as u8)
}

/// Viridis colour of a value in [0, 1] (clamped).
#[must_use]
pub fn viridis(value: f32) -> [u8; 3] {
    let position = value.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f32;
    let index = (position.floor() as usize).min(VIRIDIS.len() - 2);
    to_u8(mix(
        VIRIDIS[index],
        VIRIDIS[index + 1],
        position - index as f32,
    ))
}

/// Diverging colour of `value / scale` in [−1, 1]: blue below zero, white at zero, red above.
#[must_use]
pub fn diverging(value: f32, scale: f32) -> [u8; 3] {
    let t = if scale > 0.0 {
        (value / scale).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    if t < 0.0 {
        to_u8(mix(ZERO, NEGATIVE, -t))
    } else {
        to_u8(mix(ZERO, POSITIVE, t))
    }
}

/// Grad-CAM over a grey image: `(1 − α·cam)·grey + α·cam·viridis(cam)`, so cold regions
/// show the scan and hot regions the colour.
#[must_use]
pub fn gradcam_overlay(grey: f32, cam: f32, opacity: f32) -> [u8; 3] {
    let weight = (opacity * cam.clamp(0.0, 1.0)).clamp(0.0, 1.0);
    let grey_rgb = [grey.clamp(0.0, 1.0) * 255.0; 3];
    let colour = viridis(cam).map(f32::from);
    to_u8(mix(grey_rgb, colour, weight))
}

/// How a view is colour-mapped (the shader's `mode`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColorMode {
    /// The grey image as it is.
    Grey,
    /// The `extra` channel in the diverging map, ±`scale` at the ends.
    Diverging {
        /// The value shown at full colour.
        scale: f32,
    },
    /// The `extra` channel (Grad-CAM) in viridis over the grey image.
    Overlay {
        /// Blend strength at cam = 1.
        opacity: f32,
    },
}

/// One pixel as the shader colours it: `grey` is the scan value, `extra` the perturbation or
/// Grad-CAM value.
#[must_use]
pub fn shade(mode: ColorMode, grey: f32, extra: f32) -> [u8; 3] {
    match mode {
        ColorMode::Grey => [(grey.clamp(0.0, 1.0) * 255.0).round() as u8; 3],
        ColorMode::Diverging { scale } => diverging(extra, scale),
        ColorMode::Overlay { opacity } => gradcam_overlay(grey, extra, opacity),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_monotone_lightness() {
        assert_eq!(viridis(0.0), [68, 1, 84]);
        assert_eq!(viridis(1.0), [253, 231, 37]);
        let lightness = |c: [u8; 3]| {
            0.299 * f32::from(c[0]) + 0.587 * f32::from(c[1]) + 0.114 * f32::from(c[2])
        };
        let mut previous = -1.0;
        for step in 0..=20 {
            let l = lightness(viridis(step as f32 / 20.0));
            assert!(l > previous, "viridis lightness must increase");
            previous = l;
        }
    }

    #[test]
    fn diverging_is_white_at_zero_and_symmetric_in_hue() {
        assert_eq!(diverging(0.0, 1.0), [247, 247, 247]);
        assert_eq!(diverging(2.0, 1.0), [178, 24, 43]);
        assert_eq!(diverging(-1.0, 1.0), [33, 102, 172]);
        let up = diverging(0.5, 1.0);
        assert!(up[0] > up[2]);
    }

    #[test]
    fn overlay_with_cold_cam_is_the_grey_scan() {
        assert_eq!(gradcam_overlay(0.5, 0.0, 0.6), [128, 128, 128]);
    }
}
