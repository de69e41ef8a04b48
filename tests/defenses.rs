//! Known answers for the test-time defences: the median filter removes isolated
//! salt-and-pepper pixels, bit-depth reduction leaves exactly 2^b levels, JPEG re-compression is
//! (nearly) idempotent, Gaussian blur lowers total variation and keeps flat images flat, and the
//! defended output reaches the pipeline's result.

use advlens::defenses::{
    DefenseConfig, DefenseKind, apply_defense, bit_depth, gaussian_blur, jpeg_recompress,
    median_filter, replicate_pad,
};
use burn::tensor::{Device, Tensor, TensorData};

fn image(values: Vec<f32>, size: usize) -> Tensor<4> {
    Tensor::from_data(TensorData::new(values, [1, 1, size, size]), &Device::flex())
}

fn host(tensor: &Tensor<4>) -> Vec<f32> {
    tensor.clone().into_data().try_to_vec().unwrap()
}

fn total_variation(values: &[f32], size: usize) -> f32 {
    let mut total = 0.0;
    for y in 0..size {
        for x in 0..size {
            let v = values[y * size + x];
            if x + 1 < size {
                total += (values[y * size + x + 1] - v).abs();
            }
            if y + 1 < size {
                total += (values[(y + 1) * size + x] - v).abs();
            }
        }
    }
    total
}

fn noisy(size: usize) -> Vec<f32> {
    (0..size * size)
        .map(|i| {
            0.5 + 0.3 * ((i * 7919 % 101) as f32 / 101.0 - 0.5)
                + 0.1 * ((i % size) as f32 / size as f32)
        })
        .collect()
}

#[test]
fn replicate_padding_repeats_the_edges() {
    let padded = host(&replicate_pad(&image(vec![1.0, 2.0, 3.0, 4.0], 2), 1));
    assert_eq!(
        padded,
        vec![
            1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 3.0, 3.0, 4.0, 4.0
        ]
    );
}

#[test]
fn median_removes_isolated_salt_and_pepper() {
    let size = 16;
    let mut values = vec![0.5f32; size * size];
    for (i, index) in [17, 40, 100, 170, 203].into_iter().enumerate() {
        values[index] = if i % 2 == 0 { 1.0 } else { 0.0 };
    }
    let filtered = host(&median_filter(&image(values, size), 3));
    assert!(
        filtered.iter().all(|v| (*v - 0.5).abs() < 1e-6),
        "specks survived"
    );
}

/// The median of each window by sorting it on the host, edges replicated.
fn host_median(values: &[f32], height: usize, width: usize, size: usize) -> Vec<f32> {
    let radius = (size / 2) as isize;
    let at = |y: isize, x: isize| {
        let y = y.clamp(0, height as isize - 1) as usize;
        let x = x.clamp(0, width as isize - 1) as usize;
        values[y * width + x]
    };
    let mut out = Vec::with_capacity(height * width);
    for y in 0..height as isize {
        for x in 0..width as isize {
            let mut window: Vec<f32> = (-radius..=radius)
                .flat_map(|dy| (-radius..=radius).map(move |dx| (dy, dx)))
                .map(|(dy, dx)| at(y + dy, x + dx))
                .collect();
            window.sort_by(f32::total_cmp);
            out.push(window[window.len() / 2]);
        }
    }
    out
}

#[test]
fn median_equals_the_middle_of_each_sorted_window_for_every_size() {
    let (height, width) = (13, 21);
    let mut state = 12345u32;
    let values: Vec<f32> = (0..height * width)
        .map(|_| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            // Few levels, so that windows hold ties.
            ((state >> 24) % 7) as f32 / 6.0
        })
        .collect();
    let images = Tensor::<4>::from_data(
        TensorData::new(values.clone(), [1, 1, height, width]),
        &Device::flex(),
    );
    for size in [3, 5, 7, 9] {
        let filtered = host(&median_filter(&images, size));
        assert_eq!(
            filtered,
            host_median(&values, height, width, size),
            "median {size}×{size}"
        );
    }
}

#[test]
fn bit_depth_leaves_exactly_two_to_the_b_levels() {
    let size = 32;
    let ramp: Vec<f32> = (0..size * size)
        .map(|i| i as f32 / (size * size - 1) as f32)
        .collect();
    for bits in [1u8, 2, 3, 4] {
        let mut levels: Vec<u32> = host(&bit_depth(&image(ramp.clone(), size), bits))
            .iter()
            .map(|v| (v * 1e5).round() as u32)
            .collect();
        levels.sort_unstable();
        levels.dedup();
        assert_eq!(levels.len(), 1 << bits, "{bits} bits");
    }
}

#[test]
fn jpeg_recompression_is_nearly_idempotent() {
    let size = 32;
    let once = jpeg_recompress(&image(noisy(size), size), 75).unwrap();
    let twice = jpeg_recompress(&once, 75).unwrap();
    let (a, b) = (host(&once), host(&twice));
    let mean: f32 = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len() as f32;
    assert!(
        mean < 2.0 / 255.0,
        "mean change on the second round trip: {mean}"
    );
    let original = noisy(size);
    let first: f32 = original
        .iter()
        .zip(&a)
        .map(|(x, y)| (x - y).abs())
        .sum::<f32>()
        / a.len() as f32;
    assert!(
        first > mean,
        "the first round trip changes more than the second"
    );
}

#[test]
fn blur_lowers_total_variation_and_keeps_flat_images_flat() {
    let size = 24;
    let values = noisy(size);
    let blurred = host(&gaussian_blur(&image(values.clone(), size), 1.0));
    assert!(total_variation(&blurred, size) < 0.5 * total_variation(&values, size));
    let flat = host(&gaussian_blur(&image(vec![0.3; size * size], size), 2.0));
    assert!(
        flat.iter().all(|v| (v - 0.3).abs() < 1e-5),
        "edges must not darken"
    );
}

#[test]
fn every_defence_keeps_the_range_and_refuses_bad_parameters() {
    let size = 16;
    let input = image(noisy(size), size);
    for kind in DefenseKind::ALL {
        let output = host(&apply_defense(&input, &DefenseConfig::new(kind)).unwrap());
        assert!(output.iter().all(|v| (0.0..=1.0).contains(v)), "{kind}");
    }
    let mut bad = DefenseConfig::new(DefenseKind::Median);
    bad.median.size = 4;
    assert!(apply_defense(&input, &bad).is_err());
}
