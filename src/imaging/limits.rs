//! Decode limits: absurd sizes are refused before any large allocation.

/// The longest side we accept, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// The most pixels (over all frames) we accept in one file.
pub const MAX_PIXELS: u64 = 256 * 1024 * 1024;
/// The most memory the raster decoder may allocate, in bytes.
pub const MAX_DECODE_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Checks a size against the limits, naming the limit that was broken.
pub(crate) fn check_size(
    width: u64,
    height: u64,
    frames: u64,
    name: &str,
) -> Result<(), super::ImagingError> {
    let too_large = |limit: String| super::ImagingError::TooLarge {
        width,
        height,
        limit,
        name: name.to_string(),
    };
    if width == 0 || height == 0 {
        return Err(super::ImagingError::Empty(name.to_string()));
    }
    if width > u64::from(MAX_SIDE) || height > u64::from(MAX_SIDE) {
        return Err(too_large(format!("{MAX_SIDE} pixels a side")));
    }
    if width * height * frames.max(1) > MAX_PIXELS {
        return Err(too_large(format!("{MAX_PIXELS} pixels in all frames")));
    }
    Ok(())
}
