//! Eigen-CAM's projection on the host: for one image's activations (channels × positions),
//! centre each channel over the positions, and project every position on the first right
//! singular vector of that positions × channels matrix. It is computed from the smaller of the
//! two Gram matrices (positions²: its top eigenpair (u, λ) gives the projection √λ·u;
//! channels²: its top eigenvector v gives X·v), by cyclic Jacobi rotations in f64.

/// The first principal projection of one image's activations (`channels × positions`,
/// channel-major), one value per position, signed to agree with the mean activation.
#[must_use]
pub fn first_principal_projection(
    activations: &[f32],
    channels: usize,
    positions: usize,
) -> Vec<f32> {
    // X: positions × channels, each channel centred over the positions.
    let mut x = vec![0.0f64; positions * channels];
    for channel in 0..channels {
        let row = &activations[channel * positions..(channel + 1) * positions];
        let mean = row.iter().map(|v| f64::from(*v)).sum::<f64>() / positions.max(1) as f64;
        for (position, value) in row.iter().enumerate() {
            x[position * channels + channel] = f64::from(*value) - mean;
        }
    }
    // The top eigenpair of the smaller Gram matrix: XXᵀ (positions²) gives u and the
    // projection √λ·u; XᵀX (channels²) gives v and the projection X·v.
    let mut projection = if positions <= channels {
        let gram = gram_matrix(&x, positions, channels, |p, k| p * channels + k);
        let (vector, lambda) = top_eigenpair(gram, positions);
        let scale = lambda.max(0.0).sqrt();
        vector.into_iter().map(|u| u * scale).collect::<Vec<f64>>()
    } else {
        let gram = gram_matrix(&x, channels, positions, |c, p| p * channels + c);
        let (vector, _) = top_eigenpair(gram, channels);
        (0..positions)
            .map(|p| (0..channels).map(|c| x[p * channels + c] * vector[c]).sum())
            .collect()
    };
    // The sign of a singular vector is arbitrary: agree with the mean activation.
    let agreement: f64 = (0..positions)
        .map(|p| {
            let mean_activation = (0..channels)
                .map(|c| f64::from(activations[c * positions + p]))
                .sum::<f64>();
            projection[p] * mean_activation
        })
        .sum();
    if agreement < 0.0 {
        for value in &mut projection {
            *value = -*value;
        }
    }
    projection.into_iter().map(|v| v as f32).collect()
}

/// The `n × n` Gram matrix of the rows `0..n`, each of length `m`, of `x` read through
/// `at(row, column)`.
fn gram_matrix(x: &[f64], n: usize, m: usize, at: impl Fn(usize, usize) -> usize) -> Vec<f64> {
    let mut gram = vec![0.0f64; n * n];
    for i in 0..n {
        for j in i..n {
            let dot: f64 = (0..m).map(|k| x[at(i, k)] * x[at(j, k)]).sum();
            gram[i * n + j] = dot;
            gram[j * n + i] = dot;
        }
    }
    gram
}

/// The eigenvector of the largest eigenvalue of a symmetric matrix, and that value.
fn top_eigenpair(matrix: Vec<f64>, n: usize) -> (Vec<f64>, f64) {
    let (values, vectors) = symmetric_eigen(matrix, n);
    let Some((top, &lambda)) = values.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) else {
        return (Vec::new(), 0.0);
    };
    ((0..n).map(|i| vectors[i * n + top]).collect(), lambda)
}

/// Eigenvalues and eigenvectors (column `k` of the row-major result is the vector of value
/// `k`) of a symmetric `n × n` matrix, by cyclic Jacobi rotations.
#[must_use]
#[expect(
    clippy::many_single_char_names,
    reason = "the textbook names of a Jacobi rotation: a, v, n, t, c, s"
)]
pub fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0f64; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    let scale: f64 = a.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-300);
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |j| *j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * n + j] * a[i * n + j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-13 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let akp = a[k * n + p];
                    let akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let apk = a[p * n + k];
                    let aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let vkp = v[k * n + p];
                    let vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_diagonalises_a_symmetric_matrix() {
        let a = vec![4.0, 1.0, 2.0, 1.0, 3.0, 0.5, 2.0, 0.5, 5.0];
        let (values, vectors) = symmetric_eigen(a.clone(), 3);
        for k in 0..3 {
            for i in 0..3 {
                let av: f64 = (0..3).map(|j| a[i * 3 + j] * vectors[j * 3 + k]).sum();
                assert!((av - values[k] * vectors[i * 3 + k]).abs() < 1e-9);
            }
        }
        let trace: f64 = values.iter().sum();
        assert!((trace - 12.0).abs() < 1e-9);
    }

    #[test]
    fn the_projection_matches_power_iteration_on_the_channel_covariance() {
        // Independent route: the top eigenvector v of XᵀX (channels × channels) by power
        // iteration, then the projection X·v.
        for (channels, positions) in [(5, 9), (9, 5)] {
            check_against_power_iteration(channels, positions);
        }
    }

    fn check_against_power_iteration(channels: usize, positions: usize) {
        let activations: Vec<f32> = (0..channels * positions)
            .map(|i| ((i * 37 % 23) as f32 / 7.0).sin().abs() + (i % positions) as f32 * 0.1)
            .collect();
        let projection = first_principal_projection(&activations, channels, positions);
        let mut x = vec![0.0f64; positions * channels];
        for c in 0..channels {
            let row = &activations[c * positions..(c + 1) * positions];
            let mean = row.iter().map(|v| f64::from(*v)).sum::<f64>() / positions as f64;
            for p in 0..positions {
                x[p * channels + c] = f64::from(row[p]) - mean;
            }
        }
        let mut v = vec![1.0f64; channels];
        for _ in 0..2000 {
            let xv: Vec<f64> = (0..positions)
                .map(|p| (0..channels).map(|c| x[p * channels + c] * v[c]).sum())
                .collect();
            let next: Vec<f64> = (0..channels)
                .map(|c| (0..positions).map(|p| x[p * channels + c] * xv[p]).sum())
                .collect();
            let norm = next.iter().map(|a| a * a).sum::<f64>().sqrt();
            v = next.iter().map(|a| a / norm).collect();
        }
        let independent: Vec<f64> = (0..positions)
            .map(|p| (0..channels).map(|c| x[p * channels + c] * v[c]).sum())
            .collect();
        let sign = if independent
            .iter()
            .zip(&projection)
            .map(|(a, b)| a * f64::from(*b))
            .sum::<f64>()
            < 0.0
        {
            -1.0
        } else {
            1.0
        };
        for (a, b) in independent.iter().zip(&projection) {
            assert!((sign * a - f64::from(*b)).abs() < 1e-4, "{a} vs {b}");
        }
    }
}
