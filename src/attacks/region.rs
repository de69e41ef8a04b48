//! A region-limited attack: a rectangle of the image (in fractions of its width and height, so
//! that it means the same at any resolution) outside which the perturbation is exactly zero.
//!
//! Two things enforce it. The attacked model's input gradient is masked (the attack sees
//! `x·m + stop_gradient(x)·(1 − m)`, so ∂/∂x is 0 outside), which keeps every gradient step,
//! random start and line search inside; and the finished image takes the clean pixels outside
//! the region, bit for bit. Score-based attacks (Square, few-pixel, AutoAttack's Square stage)
//! and the universal perturbation do not take a region: their searches would waste queries
//! outside it, so they refuse one with a clear error instead.

use burn::tensor::{Bool, Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use super::{AttackError, AttackKind};

/// A rectangle of the image, each edge a fraction of the width or height in [0, 1].
///
/// A pixel is inside when its centre is: column `x` of a `w`-wide image when
/// `left ≤ (x + ½)/w < right`, and the same for rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Region {
    /// Left edge (fraction of the width).
    pub left: f64,
    /// Top edge (fraction of the height).
    pub top: f64,
    /// Right edge (fraction of the width), greater than `left`.
    pub right: f64,
    /// Bottom edge (fraction of the height), greater than `top`.
    pub bottom: f64,
}

impl Region {
    /// A checked region.
    ///
    /// # Errors
    /// [`AttackError::InvalidParameter`] unless `0 ≤ left < right ≤ 1` and `0 ≤ top < bottom ≤ 1`.
    pub fn new(left: f64, top: f64, right: f64, bottom: f64) -> Result<Self, AttackError> {
        let region = Self {
            left,
            top,
            right,
            bottom,
        };
        region.validate()?;
        Ok(region)
    }

    /// Parses `left,top,right,bottom` (fractions of the width and height, e.g. `0.1,0.2,0.5,0.8`).
    ///
    /// # Errors
    /// [`AttackError::InvalidParameter`] naming what is wrong with the text.
    pub fn parse(text: &str) -> Result<Self, AttackError> {
        let values: Vec<f64> = text
            .split(',')
            .map(|part| part.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| {
                AttackError::InvalidParameter(format!(
                    "region '{text}' is not four numbers left,top,right,bottom (fractions 0–1)"
                ))
            })?;
        let [left, top, right, bottom] = values[..] else {
            return Err(AttackError::InvalidParameter(format!(
                "region '{text}' needs four numbers left,top,right,bottom, got {}",
                values.len()
            )));
        };
        Self::new(left, top, right, bottom)
    }

    /// The region as text that [`Self::parse`] reads back.
    #[must_use]
    pub fn to_text(&self) -> String {
        format!("{},{},{},{}", self.left, self.top, self.right, self.bottom)
    }

    /// Checks the edges.
    ///
    /// # Errors
    /// [`AttackError::InvalidParameter`] for edges out of [0, 1], not finite, or crossed.
    pub fn validate(&self) -> Result<(), AttackError> {
        let edges = [self.left, self.top, self.right, self.bottom];
        if edges
            .iter()
            .any(|e| !e.is_finite() || !(0.0..=1.0).contains(e))
        {
            return Err(AttackError::InvalidParameter(format!(
                "region edges must be fractions 0–1, got {}",
                self.to_text()
            )));
        }
        if self.left >= self.right || self.top >= self.bottom {
            return Err(AttackError::InvalidParameter(format!(
                "region needs left < right and top < bottom, got {}",
                self.to_text()
            )));
        }
        Ok(())
    }

    /// Checks that `kind` can be confined to a region and that the region holds a pixel of a
    /// `width × height` image.
    ///
    /// # Errors
    /// [`AttackError::InvalidParameter`] naming the attack or the empty region.
    pub fn check_for(
        &self,
        kind: AttackKind,
        width: usize,
        height: usize,
    ) -> Result<(), AttackError> {
        self.validate()?;
        if !accepts_region(kind) {
            return Err(AttackError::InvalidParameter(format!(
                "{} does not take a region (it searches by scores or applies a fitted pattern); choose a gradient attack or clear the region",
                kind.label()
            )));
        }
        if self.pixel_count(width, height) == 0 {
            return Err(AttackError::InvalidParameter(format!(
                "region {} holds no pixel of a {width}×{height} image",
                self.to_text()
            )));
        }
        Ok(())
    }

    /// The columns (or rows) `[first, end)` whose centres lie in `[from, to)` of `size`.
    fn span(from: f64, to: f64, size: usize) -> std::ops::Range<usize> {
        let size_f = size as f64;
        // Centre (i + ½)/size ≥ from  ⇔  i ≥ from·size − ½.
        let first = (from * size_f - 0.5).ceil().max(0.0) as usize;
        let end = ((to * size_f - 0.5).ceil().max(0.0) as usize).min(size);
        first.min(end)..end
    }

    /// One flag per pixel of a `width × height` image, row-major: `true` inside.
    #[must_use]
    pub fn pixels(&self, width: usize, height: usize) -> Vec<bool> {
        let columns = Self::span(self.left, self.right, width);
        let rows = Self::span(self.top, self.bottom, height);
        (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .map(|(x, y)| columns.contains(&x) && rows.contains(&y))
            .collect()
    }

    /// Pixels inside for a `width × height` image.
    #[must_use]
    pub fn pixel_count(&self, width: usize, height: usize) -> usize {
        Self::span(self.left, self.right, width).len()
            * Self::span(self.top, self.bottom, height).len()
    }

    /// The fraction of a `width × height` image's pixels the attack may change.
    #[must_use]
    pub fn allowed_fraction(&self, width: usize, height: usize) -> f64 {
        self.pixel_count(width, height) as f64 / (width * height).max(1) as f64
    }

    /// A `[1, 1, h, w]` mask: 1 inside, 0 outside.
    #[must_use]
    pub fn mask(&self, width: usize, height: usize, device: &Device) -> Tensor<4> {
        let values: Vec<f32> = self
            .pixels(width, height)
            .into_iter()
            .map(|inside| if inside { 1.0 } else { 0.0 })
            .collect();
        Tensor::from_data(TensorData::new(values, [1, 1, height, width]), device)
    }

    /// `adversarial` inside the region and `clean` outside it, bit for bit.
    ///
    /// # Shapes
    /// - clean, adversarial: `[batch, 1, h, w]`
    #[must_use]
    pub fn restrict(&self, clean: &Tensor<4>, adversarial: Tensor<4>) -> Tensor<4> {
        let dims = clean.dims();
        keep_inside(
            clean,
            adversarial,
            Some(&self.mask(dims[3], dims[2], &clean.device())),
        )
    }
}

/// `image` where `mask` is 1 and `clean` where it is 0 (bit for bit); `image` itself without a
/// mask.
#[must_use]
pub(crate) fn keep_inside(
    clean: &Tensor<4>,
    image: Tensor<4>,
    mask: Option<&Tensor<4>>,
) -> Tensor<4> {
    let Some(mask) = mask else {
        return image;
    };
    let dims = clean.dims();
    let outside: Tensor<4, Bool> = same_mode(mask, clean).lower_elem(0.5).expand(dims);
    image.mask_where(outside, clean.clone())
}

/// Whether an attack family can be confined to a region: the gradient attacks and the random
/// noise control.
#[must_use]
pub fn accepts_region(kind: AttackKind) -> bool {
    !matches!(
        kind,
        AttackKind::Square | AttackKind::FewPixel | AttackKind::Universal | AttackKind::AutoAttack
    )
}

/// `mask` on the autodiff device when `like` is there, on the plain one otherwise.
fn same_mode(mask: &Tensor<4>, like: &Tensor<4>) -> Tensor<4> {
    if like.is_autodiff() {
        mask.clone().autodiff()
    } else {
        mask.clone().without_autodiff()
    }
}

/// `input` with its gradient masked: the same values, but ∂/∂input is `mask · upstream`, so
/// an attack differentiating through it never moves a pixel outside the mask.
#[must_use]
pub(crate) fn gradient_masked(input: Tensor<4>, mask: &Tensor<4>) -> Tensor<4> {
    let keep = same_mode(mask, &input).expand(input.dims());
    let frozen = input.clone().detach();
    input
        .mul(keep.clone())
        .add(frozen.mul(keep.neg().add_scalar(1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_are_inside_when_their_centres_are() {
        // 4 columns: centres 0.125, 0.375, 0.625, 0.875.
        let region = Region::new(0.25, 0.0, 0.75, 1.0).unwrap();
        assert_eq!(
            region.pixels(4, 1),
            vec![false, true, true, false],
            "centres 0.375 and 0.625 only"
        );
        assert_eq!(region.pixel_count(4, 2), 4);
        assert!((region.allowed_fraction(4, 2) - 0.5).abs() < 1e-12);
        // Whole image.
        let all = Region::new(0.0, 0.0, 1.0, 1.0).unwrap();
        assert!(all.pixels(5, 3).iter().all(|inside| *inside));
        // A sliver between two centres holds no pixel.
        let sliver = Region::new(0.13, 0.0, 0.37, 1.0).unwrap();
        assert_eq!(sliver.pixel_count(4, 1), 0);
        assert!(sliver.check_for(AttackKind::Pgd, 4, 1).is_err());
    }

    #[test]
    fn parsing_round_trips_and_rejects_bad_regions() {
        let region = Region::parse("0.1, 0.2,0.5,0.8").unwrap();
        assert_eq!(Region::parse(&region.to_text()).unwrap(), region);
        for bad in [
            "0.1,0.2,0.5",
            "a,b,c,d",
            "0.5,0.2,0.1,0.8",
            "0,0,1.5,1",
            "0,0,NaN,1",
        ] {
            assert!(Region::parse(bad).is_err(), "{bad}");
        }
        assert!(region.check_for(AttackKind::Square, 128, 128).is_err());
        assert!(region.check_for(AttackKind::ApgdCe, 128, 128).is_ok());
    }
}
