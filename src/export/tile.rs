//! Painting one view into an RGB page: a grey image and its extra channel (perturbation or
//! explanation), coloured as the shader colours them and enlarged nearest-neighbour to a square
//! tile. The comparison figure, the explanation atlas and the ε animation all draw with it.

use super::{ColorMode, shade};
use crate::imaging::GreyImage;

/// Where a tile goes on a page of `page_width` pixels: its top-left corner and its side.
#[derive(Debug, Clone, Copy)]
pub(super) struct TilePlace {
    /// Width of the whole page, in pixels.
    pub page_width: u32,
    /// Left edge of the tile.
    pub left: u32,
    /// Top edge of the tile.
    pub top: u32,
    /// Side of the tile.
    pub side: u32,
}

/// Paints `base` (grey) with `extra` in `mode` into `buffer` (RGB, row-major) at `place`.
pub(super) fn paint_tile(
    buffer: &mut [u8],
    place: TilePlace,
    base: &GreyImage,
    extra: &GreyImage,
    mode: ColorMode,
) {
    let TilePlace {
        page_width,
        left,
        top,
        side,
    } = place;
    for y in 0..side {
        let source_y = (y as usize * base.height) / side as usize;
        for x in 0..side {
            let source_x = (x as usize * base.width) / side as usize;
            let index = source_y * base.width + source_x;
            let rgb = shade(
                mode,
                base.pixels.get(index).copied().unwrap_or(0.0),
                extra.pixels.get(index).copied().unwrap_or(0.0),
            );
            let offset = (((top + y) * page_width + left + x) * 3) as usize;
            if let Some(pixel) = buffer.get_mut(offset..offset + 3) {
                pixel.copy_from_slice(&rgb);
            }
        }
    }
}
