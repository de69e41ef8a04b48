//! Norms of a perturbation and PSNR (data range 1).

use burn::tensor::Tensor;

use super::{MetricsError, scalar};

/// Pixels whose change exceeds 1e-7 in absolute value.
///
/// # Errors
/// [`MetricsError::ReadBack`].
pub fn l0_count(delta: &Tensor<4>) -> Result<usize, MetricsError> {
    Ok(scalar(delta.clone().abs().greater_elem(1e-7).float().sum())? as usize)
}

/// Euclidean norm.
///
/// # Errors
/// [`MetricsError::ReadBack`].
pub fn l2_norm(delta: &Tensor<4>) -> Result<f64, MetricsError> {
    Ok(scalar(delta.clone().powi_scalar(2).sum())?.sqrt())
}

/// Largest absolute value.
///
/// # Errors
/// [`MetricsError::ReadBack`].
pub fn linf_norm(delta: &Tensor<4>) -> Result<f64, MetricsError> {
    scalar(delta.clone().abs().max())
}

/// `10·log10(1 / MSE)`; `None` when the MSE is zero.
///
/// # Errors
/// [`MetricsError::ReadBack`].
pub fn psnr_db(delta: &Tensor<4>) -> Result<Option<f64>, MetricsError> {
    let mse = scalar(delta.clone().powi_scalar(2).mean())?;
    Ok((mse > 0.0).then(|| -10.0 * mse.log10()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, TensorData};

    #[test]
    fn norms_of_a_known_delta() {
        let delta = Tensor::<4>::from_data(
            TensorData::new(vec![0.0f32, 0.3, -0.4, 0.0], [1, 1, 2, 2]),
            &Device::flex(),
        );
        assert_eq!(l0_count(&delta).unwrap(), 2);
        assert!((l2_norm(&delta).unwrap() - 0.5).abs() < 1e-6);
        assert!((linf_norm(&delta).unwrap() - 0.4).abs() < 1e-6);
        // MSE = 0.25 / 4 = 0.0625 -> PSNR = 12.04 dB
        assert!((psnr_db(&delta).unwrap().unwrap() - 12.0412).abs() < 1e-3);
        assert_eq!(psnr_db(&delta.zeros_like()).unwrap(), None);
    }
}
