//! What an attack on a mask ascends: BCE or soft Dice against the true mask (untargeted), or
//! minus the BCE against a target mask made from the true one — empty, shifted, grown or
//! shrunk — with the text forms the command line and recipes use.

use std::fmt;
use std::str::FromStr;

/// A mask the targeted attack pushes the prediction towards, made from the true mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetMask {
    /// No foreground at all ("remove the head / the lesion").
    Empty,
    /// The true mask moved by (dx, dy) pixels.
    Shifted(i32, i32),
    /// The true mask grown (positive) or shrunk (negative) by this many pixels.
    Grown(i32),
}

impl TargetMask {
    /// The target for one `height × width` 0/1 mask.
    #[must_use]
    pub fn apply(self, mask: &[f32], [height, width]: [usize; 2]) -> Vec<f32> {
        let inside = |x: i64, y: i64| {
            x >= 0
                && y >= 0
                && (x as usize) < width
                && (y as usize) < height
                && mask[y as usize * width + x as usize] > 0.5
        };
        let mut out = vec![0.0f32; height * width];
        match self {
            Self::Empty => {}
            Self::Shifted(dx, dy) => {
                for (index, value) in out.iter_mut().enumerate() {
                    let (x, y) = ((index % width) as i64, (index / width) as i64);
                    if inside(x - i64::from(dx), y - i64::from(dy)) {
                        *value = 1.0;
                    }
                }
            }
            Self::Grown(pixels) => {
                let r = i64::from(pixels.unsigned_abs());
                let grow = pixels > 0;
                for (index, value) in out.iter_mut().enumerate() {
                    let (x, y) = ((index % width) as i64, (index / width) as i64);
                    // Grown: any pixel of the mask within r; shrunk: every pixel within r.
                    let mut any = false;
                    let mut all = true;
                    for oy in -r..=r {
                        for ox in -r..=r {
                            if ox * ox + oy * oy <= r * r {
                                let hit = inside(x + ox, y + oy);
                                any |= hit;
                                all &= hit;
                            }
                        }
                    }
                    if (grow && any) || (!grow && all) {
                        *value = 1.0;
                    }
                }
            }
        }
        out
    }
}

impl fmt::Display for TargetMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty"),
            Self::Shifted(dx, dy) => write!(f, "shift:{dx},{dy}"),
            Self::Grown(pixels) => write!(f, "grow:{pixels}"),
        }
    }
}

/// The adversarial loss an attack on a mask ascends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentationLoss {
    /// Binary cross-entropy against the true mask.
    Bce,
    /// Soft-Dice loss against the true mask.
    Dice,
    /// Minus the BCE against a target mask (the attack pulls the prediction towards it).
    Target(TargetMask),
}

impl fmt::Display for SegmentationLoss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bce => f.write_str("bce"),
            Self::Dice => f.write_str("dice"),
            Self::Target(target) => write!(f, "target:{target}"),
        }
    }
}

impl FromStr for SegmentationLoss {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lower = text.trim().to_ascii_lowercase();
        let bad = || {
            format!(
                "unknown segmentation loss '{text}': expected bce, dice, target:empty, target:shift:DX,DY or target:grow:N (N < 0 shrinks)"
            )
        };
        let number = |s: &str| s.trim().parse::<i32>().ok().filter(|v| v.abs() <= 64);
        Ok(match lower.as_str() {
            "bce" => Self::Bce,
            "dice" => Self::Dice,
            "target:empty" | "empty" => Self::Target(TargetMask::Empty),
            other => {
                let rest = other.strip_prefix("target:").unwrap_or(other);
                if let Some(offsets) = rest.strip_prefix("shift:") {
                    let (dx, dy) = offsets.split_once(',').ok_or_else(bad)?;
                    Self::Target(TargetMask::Shifted(
                        number(dx).ok_or_else(bad)?,
                        number(dy).ok_or_else(bad)?,
                    ))
                } else if let Some(pixels) = rest.strip_prefix("grow:") {
                    Self::Target(TargetMask::Grown(number(pixels).ok_or_else(bad)?))
                } else {
                    return Err(bad());
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_parse_and_print_back() {
        for text in [
            "bce",
            "dice",
            "target:empty",
            "target:shift:10,-4",
            "target:grow:-3",
        ] {
            let loss: SegmentationLoss = text.parse().unwrap();
            assert_eq!(loss.to_string(), text);
        }
        assert!("target:grow:500".parse::<SegmentationLoss>().is_err());
        assert!("l2".parse::<SegmentationLoss>().is_err());
    }

    #[test]
    fn target_masks_move_grow_and_shrink_the_true_one() {
        // A 3×3 square in a 7×7 mask.
        let mut mask = vec![0.0f32; 49];
        for y in 2..5 {
            for x in 2..5 {
                mask[y * 7 + x] = 1.0;
            }
        }
        let count = |m: &[f32]| m.iter().filter(|v| **v > 0.5).count();
        assert_eq!(count(&TargetMask::Empty.apply(&mask, [7, 7])), 0);
        let shifted = TargetMask::Shifted(2, 0).apply(&mask, [7, 7]);
        assert_eq!(count(&shifted), 9);
        assert_eq!(shifted[2 * 7 + 4], 1.0);
        assert_eq!(shifted[2 * 7 + 2], 0.0);
        assert_eq!(count(&TargetMask::Grown(1).apply(&mask, [7, 7])), 21);
        assert_eq!(count(&TargetMask::Grown(-1).apply(&mask, [7, 7])), 1);
    }
}
