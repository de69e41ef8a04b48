//! Certified accuracy of randomized smoothing against the L2 radius, in the layout of Cohen et
//! al. 2019's Table 1: the share of images whose smoothed prediction is correct *and* certified
//! at a radius of at least r. An abstention counts as an error at every radius.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::EvalError;
use super::table::push;
use crate::datasets::LabelledImages;
use crate::defenses::{DefenseConfig, DefenseKind, defended_predict};
use crate::device::ComputeDevice;
use crate::models::LoadedModel;

/// Certified accuracy at each radius.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertifiedTable {
    /// The base model.
    pub model: String,
    /// The images, in words.
    pub source: String,
    /// How many images.
    pub images: usize,
    /// The smoothing, in words (σ, n, α).
    pub smoothing: String,
    /// The L2 radii on the [0, 1] pixel scale.
    pub radii: Vec<f64>,
    /// Certified accuracy at each radius.
    pub accuracy: Vec<f32>,
    /// Images on which the smoothed classifier abstained.
    pub abstained: usize,
    /// Wall time.
    pub seconds: f64,
    /// The device, in words.
    pub device: String,
}

/// Certifies every image of `images` with `smoothing` (which must be randomized smoothing)
/// and counts, per radius, the images certified correct at least that far. `on_progress` gets
/// (images done, images in all).
///
/// # Errors
/// [`EvalError`] for another defence, no images, or a failed forward pass.
pub fn certified_accuracy(
    model: &LoadedModel,
    images: &LabelledImages,
    smoothing: &DefenseConfig,
    radii: &[f64],
    batch_size: usize,
    device: &ComputeDevice,
    on_progress: &mut dyn FnMut(usize, usize),
) -> Result<CertifiedTable, EvalError> {
    if smoothing.kind != DefenseKind::Smoothing {
        return Err(EvalError::Other(format!(
            "certification needs randomized smoothing, not {}",
            smoothing.describe()
        )));
    }
    smoothing.validate()?;
    if images.is_empty() {
        return Err(EvalError::Other("no images to certify".to_string()));
    }
    let started = Instant::now();
    let mut certified_radii = Vec::with_capacity(images.len());
    let mut abstained = 0;
    for start in (0..images.len()).step_by(batch_size.max(1)) {
        let end = (start + batch_size.max(1)).min(images.len());
        let (batch, labels) = images.batch_range(start..end, &device.device);
        let predicted = defended_predict(&model.models.inference, &batch, smoothing)?;
        for (certificate, label) in predicted.certificates.iter().zip(labels) {
            let certificate = certificate
                .ok_or_else(|| EvalError::Other("smoothing returned no certificate".to_string()))?;
            match certificate.class {
                None => {
                    abstained += 1;
                    certified_radii.push(None);
                }
                Some(class) if class == label => certified_radii.push(Some(certificate.radius)),
                Some(_) => certified_radii.push(None),
            }
        }
        on_progress(end, images.len());
    }
    let count = certified_radii.len().max(1) as f32;
    let accuracy = radii
        .iter()
        .map(|&r| {
            certified_radii
                .iter()
                .filter(|radius| radius.is_some_and(|radius| radius >= r))
                .count() as f32
                / count
        })
        .collect();
    Ok(CertifiedTable {
        model: model.card.name.clone(),
        source: images.source.clone(),
        images: images.len(),
        smoothing: smoothing.describe(),
        radii: radii.to_vec(),
        accuracy,
        abstained,
        seconds: started.elapsed().as_secs_f64(),
        device: device.description.clone(),
    })
}

/// The table in Markdown: one row, a column per radius, as in Cohen et al.'s Table 1.
#[must_use]
pub fn certified_markdown(table: &CertifiedTable) -> String {
    let mut text = format!(
        "### {} — {}\n\nCertified accuracy (%) at L2 radius r (on the [0, 1] pixel scale) on {} images of {}; {} abstentions (counted as errors); {:.0} s on {}.\n\n| model |",
        table.model,
        table.smoothing,
        table.images,
        table.source,
        table.abstained,
        table.seconds,
        table.device
    );
    for radius in &table.radii {
        push(&mut text, format_args!(" r = {radius} |"));
    }
    push(
        &mut text,
        format_args!(
            "\n|---|{}\n| `{}` |",
            "---:|".repeat(table.radii.len()),
            table.model
        ),
    );
    for accuracy in &table.accuracy {
        push(&mut text, format_args!(" {:.1} |", 100.0 * accuracy));
    }
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_markdown_has_a_column_per_radius() {
        let table = CertifiedTable {
            model: "m".into(),
            source: "s".into(),
            images: 4,
            smoothing: "randomized smoothing, σ = 0.12".into(),
            radii: vec![0.0, 0.25],
            accuracy: vec![0.75, 0.5],
            abstained: 1,
            seconds: 1.0,
            device: "CPU".into(),
        };
        let text = certified_markdown(&table);
        assert!(text.contains("| r = 0 | r = 0.25 |"), "{text}");
        assert!(text.contains("| `m` | 75.0 | 50.0 |"), "{text}");
    }
}
