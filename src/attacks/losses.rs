//! The per-row objectives the attacks maximise, each written once: cross-entropy, the
//! difference-of-logits ratio (Croce & Hein 2020), the Carlini–Wagner margin and the score
//! margin the Square attack reads on the host. Orderings (which class is runner-up, which
//! logits are π₁, π₃, π₄) are read from the host copy of the same logits and enter the graph as
//! one-hot selectors, so the gradient is that of the sorted expression.

use burn::tensor::Tensor;
use burn::tensor::activation::log_softmax;

use super::objective::LogitRows;

/// Per row, −log p(class): cross-entropy of `classes[row]`.
pub(crate) fn cross_entropy_rows(rows: &LogitRows, classes: &[usize]) -> Tensor<1> {
    let count = rows.host.len();
    log_softmax(rows.logits.clone(), 1)
        .mul(rows.one_hot(classes))
        .sum_dim(1)
        .reshape([count])
        .neg()
}

/// The class with the largest value in `row`, skipping `except`.
#[must_use]
pub(crate) fn best_other(row: &[f32], except: usize) -> usize {
    row.iter()
        .enumerate()
        .filter(|(class, _)| *class != except)
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(class, _)| class)
}

/// Classes of a row from the largest logit down.
pub(crate) fn ranking(row: &[f32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..row.len()).collect();
    order.sort_by(|a, b| row[*b].total_cmp(&row[*a]));
    order
}

/// The smallest number of classes the difference-of-logits ratio needs: 3 untargeted (π₃),
/// 4 targeted (π₄).
#[must_use]
pub fn dlr_min_classes(targeted: bool) -> usize {
    if targeted { 4 } else { 3 }
}

/// Per row, the DLR loss to maximise.
///
/// Untargeted: `−(z_y − max_{i≠y} z_i) / (z_π₁ − z_π₃ + 1e-12)`.
/// Targeted towards t: `−(z_y − z_t) / (z_π₁ − (z_π₃ + z_π₄)/2 + 1e-12)`.
/// Needs [`dlr_min_classes`] classes; the caller checks.
pub(crate) fn dlr_rows(rows: &LogitRows, labels: &[usize], targets: Option<&[usize]>) -> Tensor<1> {
    let count = rows.host.len();
    let mut top = Vec::with_capacity(count);
    let mut third = Vec::with_capacity(count);
    let mut fourth = Vec::with_capacity(count);
    let mut other = Vec::with_capacity(count);
    for (row, values) in rows.host.iter().enumerate() {
        let order = ranking(values);
        let label = labels[row];
        top.push(order[0]);
        third.push(order[2.min(order.len() - 1)]);
        fourth.push(order[3.min(order.len() - 1)]);
        other.push(match targets {
            Some(targets) => targets[row],
            None => best_other(values, label),
        });
    }
    let numerator = rows.pick(labels).sub(rows.pick(&other));
    let denominator = match targets {
        None => rows.pick(&top).sub(rows.pick(&third)),
        Some(_) => rows
            .pick(&top)
            .sub(rows.pick(&third).add(rows.pick(&fourth)).mul_scalar(0.5)),
    };
    numerator.div(denominator.add_scalar(1e-12)).neg()
}

/// Per row, the Carlini–Wagner margin to minimise, floored at −κ:
/// untargeted `max(z_y − max_{i≠y} z_i, −κ)`; targeted `max(max_{i≠t} z_i − z_t, −κ)`.
pub(crate) fn cw_margin_rows(
    rows: &LogitRows,
    labels: &[usize],
    targeted: bool,
    confidence: f64,
) -> Tensor<1> {
    let other: Vec<usize> = rows
        .host
        .iter()
        .enumerate()
        .map(|(row, values)| best_other(values, labels[row]))
        .collect();
    let margin = if targeted {
        rows.pick(&other).sub(rows.pick(labels))
    } else {
        rows.pick(labels).sub(rows.pick(&other))
    };
    margin.clamp_min(-confidence)
}

/// The score margin of one image's logits, negative once the attack has succeeded:
/// untargeted `z_label − max_{i≠label} z_i`; targeted `max_{i≠target} z_i − z_target`.
#[must_use]
pub(crate) fn score_margin(logits: &[f32], class: usize, targeted: bool) -> f32 {
    let other = logits[best_other(logits, class)];
    if targeted {
        other - logits[class]
    } else {
        logits[class] - other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    fn rows(values: Vec<Vec<f32>>) -> LogitRows {
        let classes = values[0].len();
        let flat: Vec<f32> = values.iter().flatten().copied().collect();
        let logits = Tensor::from_data(
            TensorData::new(flat, [values.len(), classes]),
            &Device::flex(),
        );
        LogitRows {
            logits,
            images: values.len(),
            host: values,
        }
    }

    fn host(tensor: Tensor<1>) -> Vec<f32> {
        tensor.into_data().try_to_vec().unwrap()
    }

    #[test]
    fn dlr_matches_its_formula() {
        // z = (3, 1, 0.5, -1), y = 0: −(3 − 1)/(3 − 0.5) = −0.8.
        let view = rows(vec![vec![3.0, 1.0, 0.5, -1.0]]);
        let value = host(dlr_rows(&view, &[0], None))[0];
        assert!((value + 0.8).abs() < 1e-6, "{value}");
        // Targeted at 3: −(3 − (−1))/(3 − (0.5 − 1)/2) = −4/3.25.
        let targeted = host(dlr_rows(&view, &[0], Some(&[3])))[0];
        assert!((targeted + 4.0 / 3.25).abs() < 1e-6, "{targeted}");
    }

    #[test]
    fn cw_margin_is_floored_at_minus_kappa() {
        let view = rows(vec![vec![2.0, 5.0], vec![4.0, 1.0]]);
        let values = host(cw_margin_rows(&view, &[0, 0], false, 0.5));
        assert_eq!(values, vec![-0.5, 3.0]);
        assert!((score_margin(&[2.0, 5.0], 1, true) + 3.0).abs() < 1e-6);
    }

    #[test]
    fn cross_entropy_is_minus_log_probability() {
        let view = rows(vec![vec![0.0, 0.0]]);
        let value = host(cross_entropy_rows(&view, &[1]))[0];
        assert!((value - std::f32::consts::LN_2).abs() < 1e-6);
    }
}
