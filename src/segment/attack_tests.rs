//! Unit tests of the attacks on masks: gradients against finite differences, the budget and
//! range, seeded repeatability.

use super::*;
use crate::models::UNetConfig;
use crate::segment::TargetMask;
use burn::module::Module;
use burn::tensor::Device;

fn host_values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    read_back(tensor).unwrap()
}

fn tiny_model() -> UNet {
    let device = Device::flex().autodiff();
    device.seed(5);
    UNetConfig::new()
        .with_widths([2, 3, 3, 4])
        .init(&device)
        .freeze()
}

fn ramp(seed: u32) -> (Tensor<4>, Tensor<4>) {
    let device = Device::flex();
    let image: Vec<f32> = (0..256u32)
        .map(|i| ((i * 37 + seed * 11) % 97) as f32 / 97.0)
        .collect();
    let mask: Vec<f32> = (0..256)
        .map(|i| {
            if (i % 16 > 4) && (i / 16 > 5) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    (
        Tensor::from_data(TensorData::new(image, [1, 1, 16, 16]), &device),
        Tensor::from_data(TensorData::new(mask, [1, 1, 16, 16]), &device),
    )
}

#[test]
fn the_input_gradient_matches_finite_differences() {
    let model = tiny_model();
    let (image, mask) = ramp(1);
    for loss in [
        SegmentationLoss::Bce,
        SegmentationLoss::Dice,
        SegmentationLoss::Target(TargetMask::Empty),
    ] {
        let attack = SegmentationAttack::new(AttackKind::Fgsm, loss, 0.01).unwrap();
        let reference = attack.reference_masks(&mask).unwrap();
        let (values, gradient) = attack.objective(&model, &image, &reference, None).unwrap();
        let gradient = host_values(gradient);
        let objective = |x: &Tensor<4>| -> f64 {
            let logits = model.forward(x.clone().autodiff()).without_autodiff();
            let value = match loss {
                SegmentationLoss::Bce => bce_per_image(logits, reference.clone()),
                SegmentationLoss::Dice => soft_dice_loss_per_image(logits, reference.clone()),
                SegmentationLoss::Target(_) => bce_per_image(logits, reference.clone()).neg(),
            };
            f64::from(host_values(value)[0])
        };
        let at_image = objective(&image);
        assert!(
            (f64::from(values[0]) - at_image).abs() <= 1e-5 * at_image.abs().max(1.0),
            "{loss}: the value reported {} is not the objective {at_image}",
            values[0]
        );
        let base = host_values(image.clone());
        let norm = gradient.iter().map(|g| g * g).sum::<f32>().sqrt();
        assert!(norm > 0.0, "{loss}: no gradient");
        // Directional derivatives along the gradient and along two fixed ±1 patterns,
        // by central differences of step 1e-2 in L2 (each pixel moves far less than the
        // distance to a ReLU or max-pool switch, so the network is locally linear).
        let patterns: [Vec<f32>; 3] = [
            gradient.iter().map(|g| g / norm).collect(),
            (0..256)
                .map(|i| {
                    if (i * 7) % 3 == 0 {
                        1.0 / 16.0
                    } else {
                        -1.0 / 16.0
                    }
                })
                .collect(),
            (0..256)
                .map(|i| if i % 5 < 2 { 1.0 / 16.0 } else { -1.0 / 16.0 })
                .collect(),
        ];
        for direction in &patterns {
            let h = 1e-2f32;
            let moved = |sign: f32| {
                let values: Vec<f32> = base
                    .iter()
                    .zip(direction)
                    .map(|(v, d)| v + sign * h * d)
                    .collect();
                Tensor::<4>::from_data(TensorData::new(values, [1, 1, 16, 16]), &Device::flex())
            };
            let numeric = (objective(&moved(1.0)) - objective(&moved(-1.0))) / (2.0 * f64::from(h));
            let analytic: f64 = gradient
                .iter()
                .zip(direction)
                .map(|(g, d)| f64::from(g * d))
                .sum();
            assert!(
                (numeric - analytic).abs() <= 0.03 * f64::from(norm),
                "{loss}: numeric {numeric}, analytic {analytic} (|g| {norm})"
            );
        }
    }
}

#[test]
fn every_attack_stays_in_the_ball_and_the_range_and_repeats_with_its_seed() {
    let model = tiny_model();
    let (image, mask) = ramp(2);
    let clean = host_values(image.clone());
    for kind in SEGMENTATION_ATTACKS {
        for loss in [
            SegmentationLoss::Bce,
            SegmentationLoss::Dice,
            SegmentationLoss::Target(TargetMask::Grown(2)),
        ] {
            let attack = SegmentationAttack::new(kind, loss, 8.0 / 255.0)
                .unwrap()
                .with_seed(3);
            let first = host_values(attack.run(&model, &image, &mask).unwrap());
            let again = host_values(attack.run(&model, &image, &mask).unwrap());
            assert_eq!(first, again, "{kind} {loss}");
            let moved = first
                .iter()
                .zip(&clean)
                .fold(0.0f32, |m, (a, c)| m.max((a - c).abs()));
            assert!(moved <= 8.0 / 255.0 + 1e-6, "{kind} {loss}: {moved}");
            assert!(moved > 0.0, "{kind} {loss} did not move");
            assert!(first.iter().all(|v| (0.0..=1.0).contains(v)));
        }
    }
    assert!(SegmentationAttack::new(AttackKind::DeepFool, SegmentationLoss::Bce, 0.1).is_err());
    assert!(SegmentationAttack::new(AttackKind::Pgd, SegmentationLoss::Bce, 2.0).is_err());
}

#[test]
fn the_attack_raises_the_loss_it_ascends() {
    let model = tiny_model();
    let (image, mask) = ramp(3);
    for loss in [SegmentationLoss::Bce, SegmentationLoss::Dice] {
        let attack = SegmentationAttack::new(AttackKind::Pgd, loss, 16.0 / 255.0).unwrap();
        let value = |x: Tensor<4>| {
            let logits = model.forward(x.autodiff()).without_autodiff();
            host_values(match loss {
                SegmentationLoss::Dice => soft_dice_loss_per_image(logits, mask.clone()),
                _ => bce_per_image(logits, mask.clone()),
            })[0]
        };
        let adversarial = attack.run(&model, &image, &mask).unwrap();
        assert!(value(adversarial) > value(image.clone()), "{loss}");
        let mut apgd = SegmentationAttack::new(AttackKind::ApgdCe, loss, 16.0 / 255.0).unwrap();
        apgd.steps = 20;
        let adversarial = apgd.run(&model, &image, &mask).unwrap();
        assert!(value(adversarial) > value(image.clone()), "APGD {loss}");
    }
}

#[test]
fn apgd_ends_at_its_best_point_and_leaves_pixels_outside_its_region_alone() {
    let model = tiny_model();
    let (image, mask) = ramp(4);
    let clean = host_values(image.clone());
    let mut attack =
        SegmentationAttack::new(AttackKind::ApgdCe, SegmentationLoss::Dice, 8.0 / 255.0).unwrap();
    attack.steps = 12;
    attack.region = Some(Region::parse("0.25,0.25,0.75,0.75").unwrap());
    let (start_loss, _) = attack
        .objective(
            &model,
            &attack.confine(
                &image,
                random_point_in_ball(&image, attack.epsilon, Norm::Linf, attack.seed, 0),
            ),
            &mask,
            None,
        )
        .unwrap();
    let adversarial = attack.run(&model, &image, &mask).unwrap();
    let (end_loss, _) = attack.objective(&model, &adversarial, &mask, None).unwrap();
    assert!(
        end_loss[0] >= start_loss[0],
        "{} < {}",
        end_loss[0],
        start_loss[0]
    );
    let moved = host_values(adversarial);
    let mut inside_moved = false;
    for (i, (a, c)) in moved.iter().zip(&clean).enumerate() {
        let (row, column) = (i / 16, i % 16);
        if (4..12).contains(&row) && (4..12).contains(&column) {
            inside_moved |= a != c;
            assert!((a - c).abs() <= 8.0 / 255.0 + 1e-6);
        } else {
            assert_eq!(
                a.to_bits(),
                c.to_bits(),
                "pixel {i} outside the region moved"
            );
        }
    }
    assert!(inside_moved);
    assert_eq!(
        attack.describe(),
        "APGD-12 (dice loss), ε = 8/255, in region 0.25,0.25,0.75,0.75"
    );
}
