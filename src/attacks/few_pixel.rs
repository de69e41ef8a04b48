//! The one-pixel / few-pixel attack (Su et al. 2019): differential evolution over candidates
//! of k pixels, each a (row, column, value) triple, scored by the model's output only. A
//! candidate's child is `a + F·(b − c)` for three other members (DE/rand/1, F = 0.5, no
//! crossover, as in the paper); it replaces its parent when it lowers the true class's
//! probability (raises the target's). The search stops as soon as a member fools the model.
//! L0 is what the user sets: at most k pixels change; their new values may be anything in
//! [0, 1]. Every evaluation of a population is one query per member.

use burn::tensor::{Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::control::AttackControl;
use super::objective::host_values;
use super::per_image::fooled;
use super::queries::ScoreQueries;
use super::{AttackConfig, AttackError};

/// DE's mutation factor (Su et al. 2019).
const MUTATION: f32 = 0.5;

/// One candidate: k (row, column, value) triples, as floats for the DE arithmetic.
type Candidate = Vec<[f32; 3]>;

/// What the few-pixel attack found.
pub(crate) struct FewPixelResult {
    /// The adversarial batch.
    pub adversarial: Tensor<4>,
    /// The most queries any image used.
    pub queries: usize,
}

/// Softmax of one row of logits.
fn softmax(logits: &[f32]) -> Vec<f32> {
    let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f32> = logits.iter().map(|z| (z - top).exp()).collect();
    let sum: f32 = exps.iter().sum();
    exps.iter().map(|e| e / sum).collect()
}

/// The candidate's score to minimise: p(label), or −p(target) when targeted.
fn fitness(logits: &[f32], class: usize, targeted: bool) -> f32 {
    let probability = softmax(logits).get(class).copied().unwrap_or(0.0);
    if targeted { -probability } else { probability }
}

/// The image with the candidate's pixels written in.
fn apply(clean: &[f32], candidate: &Candidate, [height, width]: [usize; 2]) -> Vec<f32> {
    let mut image = clean.to_vec();
    for [row, column, value] in candidate {
        let row = (row.round().max(0.0) as usize).min(height - 1);
        let column = (column.round().max(0.0) as usize).min(width - 1);
        image[row * width + column] = value.clamp(0.0, 1.0);
    }
    image
}

/// Runs the few-pixel attack on each image of a single-channel batch.
pub(crate) fn few_pixel_attack(
    model: &dyn ScoreQueries,
    clean: &Tensor<4>,
    labels: &[usize],
    targeted: bool,
    config: &AttackConfig,
    control: &AttackControl<'_>,
) -> Result<FewPixelResult, AttackError> {
    let [images, channels, height, width] = clean.dims();
    if channels != 1 {
        return Err(AttackError::InvalidParameter(
            "the few-pixel attack works on single-channel scans".to_string(),
        ));
    }
    let device = clean.device();
    let pixels = height * width;
    let clean_host = host_values(clean.clone())?;
    let mut adversarial = clean_host.clone();
    let mut most_queries = 0;
    let population = config.population.max(4);
    let generations = config.steps.max(1);
    for image in 0..images {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        rng.set_stream(600 + image as u64);
        let original = &clean_host[image * pixels..(image + 1) * pixels];
        let evaluate = |members: &[Candidate]| -> Result<Vec<Vec<f32>>, AttackError> {
            let batch: Vec<f32> = members
                .iter()
                .flat_map(|candidate| apply(original, candidate, [height, width]))
                .collect();
            model.logits(&Tensor::from_data(
                TensorData::new(batch, [members.len(), 1, height, width]),
                &device,
            ))
        };
        let mut members: Vec<Candidate> = (0..population)
            .map(|_| {
                (0..config.pixels)
                    .map(|_| {
                        [
                            rng.random_range(0..height) as f32,
                            rng.random_range(0..width) as f32,
                            rng.random::<f32>(),
                        ]
                    })
                    .collect()
            })
            .collect();
        let mut logits = evaluate(&members)?;
        let mut queries = population;
        let label = labels[image];
        let mut scores: Vec<f32> = logits.iter().map(|l| fitness(l, label, targeted)).collect();
        for generation in 0..generations {
            if control.should_stop.is_some_and(|stop| stop()) {
                return Err(AttackError::Cancelled);
            }
            if logits.iter().any(|l| fooled(l, label, targeted)) {
                break;
            }
            let children: Vec<Candidate> = (0..population)
                .map(|i| mutate(&members, i, [height, width], &mut rng))
                .collect();
            let child_logits = evaluate(&children)?;
            queries += population;
            for (i, child) in children.into_iter().enumerate() {
                let score = fitness(&child_logits[i], label, targeted);
                if score <= scores[i] {
                    scores[i] = score;
                    members[i] = child;
                    logits[i].clone_from(&child_logits[i]);
                }
            }
            if let Some(report) = control.on_step {
                report(image * generations + generation + 1, images * generations);
            }
        }
        // The member that fools the model, else the best-scoring one.
        let best = (0..population)
            .find(|&i| fooled(&logits[i], label, targeted))
            .unwrap_or_else(|| {
                (0..population)
                    .min_by(|&a, &b| scores[a].total_cmp(&scores[b]))
                    .unwrap_or(0)
            });
        adversarial[image * pixels..(image + 1) * pixels].copy_from_slice(&apply(
            original,
            &members[best],
            [height, width],
        ));
        most_queries = most_queries.max(queries);
    }
    Ok(FewPixelResult {
        adversarial: Tensor::from_data(TensorData::new(adversarial, clean.dims()), &device),
        queries: most_queries,
    })
}

/// DE/rand/1: `a + F·(b − c)` for three distinct members other than `index`, clipped to the
/// image and to [0, 1].
fn mutate(
    members: &[Candidate],
    index: usize,
    [height, width]: [usize; 2],
    rng: &mut ChaCha8Rng,
) -> Candidate {
    let count = members.len();
    let mut pick = |taken: &[usize]| loop {
        let other = rng.random_range(0..count);
        if other != index && !taken.contains(&other) {
            return other;
        }
    };
    let a = pick(&[]);
    let b = pick(&[a]);
    let c = pick(&[a, b]);
    members[a]
        .iter()
        .zip(&members[b])
        .zip(&members[c])
        .map(|((a, b), c)| {
            let mix = |k: usize| a[k] + MUTATION * (b[k] - c[k]);
            [
                mix(0).clamp(0.0, (height - 1) as f32),
                mix(1).clamp(0.0, (width - 1) as f32),
                mix(2).clamp(0.0, 1.0),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_candidate_changes_at_most_its_pixels() {
        let clean = vec![0.5f32; 16];
        let candidate = vec![[1.2, 2.7, 1.0], [3.0, 0.0, -0.5]];
        let image = apply(&clean, &candidate, [4, 4]);
        let changed: Vec<usize> = (0..16).filter(|&i| image[i] != 0.5).collect();
        assert_eq!(changed, vec![7, 12]); // (1, 3) → 1.0 and (3, 0) → 0.0
        assert_eq!(image[7], 1.0);
        assert_eq!(image[12], 0.0);
    }

    #[test]
    fn mutation_stays_in_the_image_and_the_range() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let members: Vec<Candidate> = (0..5)
            .map(|i| vec![[i as f32, 3.0 - i as f32, 0.25 * i as f32]])
            .collect();
        for index in 0..5 {
            for [row, column, value] in mutate(&members, index, [4, 4], &mut rng) {
                assert!((0.0..=3.0).contains(&row) && (0.0..=3.0).contains(&column));
                assert!((0.0..=1.0).contains(&value));
            }
        }
    }
}
