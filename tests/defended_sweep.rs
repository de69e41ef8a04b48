//! The ε sweep through a defence: the model-alone curve is unchanged by asking for the defended
//! ones, the unaware curve is the model-alone attack judged by the defended model, the adaptive
//! curve attacks through the defence, and the window draws all three with their flip points.

mod common;

use advlens::attacks::{AttackConfig, AttackControl, AttackKind, FgsmGradient, predicted_class};
use advlens::defenses::{DefenseConfig, DefenseKind, defended_predict};
use advlens::device::ComputeDevice;
use advlens::imaging::model_input_from_scan;
use advlens::models::load_shipped;
use advlens::pipeline::sweep::{DefendedSetting, SweepSpec, sweep_input};

#[test]
fn the_sweep_through_a_defence_has_an_unaware_and_an_adaptive_curve() {
    let device = ComputeDevice::cpu();
    let model = load_shipped("chest-xray-cnn", &device.device).unwrap();
    let scan = common::sample_scan("chest_xray_pneumonia_2.png");
    let image = model_input_from_scan(&scan, 128, &device.device);
    let defense = DefenseConfig::new(DefenseKind::Median);
    let spec = |defense: Option<DefenseConfig>| SweepSpec {
        attack: AttackConfig::new(AttackKind::Fgsm, 0.0),
        max_epsilon: 8.0 / 255.0,
        points: 5,
        true_label: None,
        defense,
        versus: None,
    };
    let control = AttackControl::default();
    let alone = sweep_input(&model.models, &image, &spec(None), &control).unwrap();
    assert!(alone.defended.is_empty());
    let through = sweep_input(
        &model.models,
        &image,
        &spec(Some(defense.clone())),
        &control,
    )
    .unwrap();
    assert_eq!(
        through.points, alone.points,
        "the model-alone curve is unchanged"
    );
    assert_eq!(through.flip, alone.flip);
    let settings: Vec<DefendedSetting> = through.defended.iter().map(|c| c.setting).collect();
    assert_eq!(
        settings,
        [DefendedSetting::Unaware, DefendedSetting::Adaptive]
    );
    // The unaware curve: FGSM against the model alone, judged through the median filter.
    let label = through.label;
    let gradient =
        FgsmGradient::compute(&model.models.differentiable, image.clone(), &[label], false)
            .unwrap();
    let unaware = &through.defended[0];
    for point in &unaware.points {
        let defended = defended_predict(
            &model.models.inference,
            &gradient.apply(point.epsilon),
            &defense,
        )
        .unwrap();
        let probs = &defended.probabilities[0];
        assert_eq!(
            point.true_class_probability, probs[label],
            "ε {}",
            point.epsilon
        );
        assert_eq!(point.predicted, predicted_class(probs));
    }
    // Each defended curve runs from ε = 0 (the defended clean image) to the grid's end, and
    // its flip, when there is one, is a point where the defended prediction left the label.
    for curve in &through.defended {
        assert_eq!(curve.points.first().unwrap().epsilon, 0.0);
        assert!((curve.points.last().unwrap().epsilon - 8.0 / 255.0).abs() < 1e-12);
        if let Some(flip) = curve.flip {
            let at = curve
                .points
                .iter()
                .find(|p| p.epsilon == flip.epsilon)
                .expect("the flip is a point of the curve");
            assert_ne!(at.predicted, label, "{:?}", curve.setting);
        }
    }
    assert_ne!(
        through.defended[0].points, through.defended[1].points,
        "the adaptive attack differs from the unaware one"
    );
}
