//! Explanation checks beyond the maps themselves: deletion and insertion curves (their end
//! points, and a faithful ranking scored above its reverse), the cascading-randomisation sanity
//! check on the shipped chest CNN, one class for both maps, and CAMs on any block.

mod common;

use advlens::attacks::{predicted_class, probabilities};
use advlens::device::ComputeDevice;
use advlens::explain::{
    ExplainConfig, ExplainMethod, cascading_randomization, deletion_insertion, explain,
    explain_ranked,
};
use advlens::imaging::{LoadOptions, load_scan, model_input_from_scan};
use advlens::models::{Classifier, CompactCnnConfig, ModelPair, load_shipped};
use burn::tensor::Tensor;
use common::{chest_input as chest_sample, host, test_image, tiny_models};

fn class_probability(models: &ModelPair, image: &Tensor<4>, class: usize) -> f32 {
    probabilities(models, image).unwrap()[0][class]
}

#[test]
fn deletion_and_insertion_curves_run_between_the_right_images() {
    let models = tiny_models(2, 4);
    let input = test_image(32);
    let map: Vec<f32> = (0..32 * 32).map(|i| ((i * 37) % 101) as f32).collect();
    let curves = deletion_insertion(&models, &input, &map, 1).unwrap();
    assert_eq!(
        curves.deletion.len(),
        advlens::explain::FAITHFULNESS_STEPS + 1
    );
    let black = input.zeros_like();
    let blurred = advlens::defenses::gaussian_blur(&input, advlens::explain::INSERTION_BLUR_SIGMA);
    let close = |a: f32, b: f32| (a - b).abs() < 1e-5;
    assert!(close(
        curves.deletion[0],
        class_probability(&models, &input, 1)
    ));
    assert!(close(
        *curves.deletion.last().unwrap(),
        class_probability(&models, &black, 1)
    ));
    assert!(close(
        curves.insertion[0],
        class_probability(&models, &blurred, 1)
    ));
    assert!(close(
        *curves.insertion.last().unwrap(),
        class_probability(&models, &input, 1)
    ));
    assert!(
        close(
            curves.deletion_auc,
            advlens::explain::area_under_curve(&curves.deletion)
        ) && (0.0..=1.0).contains(&curves.insertion_auc)
    );
    assert!(deletion_insertion(&models, &input, &map[..10], 1).is_err());
    assert!(deletion_insertion(&models, &input, &map, 5).is_err());
}

#[test]
fn deletion_and_insertion_rank_the_occlusion_map_above_its_reverse() {
    // Occlusion measures the score drop of hiding each place, so its order is faithful by
    // construction; the reversed order deletes the least important pixels first.
    let model = load_shipped("chest-xray-cnn", &ComputeDevice::cpu().device).unwrap();
    for scan in ["chest_xray_pneumonia_1.png", "chest_xray_normal_1.png"] {
        let input = chest_sample(&model, scan);
        let class = predicted_class(&probabilities(&model.models, &input).unwrap()[0]);
        let config = ExplainConfig::new(ExplainMethod::Occlusion);
        let map = explain_ranked(&model.models, &input, class, &config)
            .unwrap()
            .ranking;
        let reversed: Vec<f32> = map.iter().map(|v| -v).collect();
        let faithful = deletion_insertion(&model.models, &input, &map, class).unwrap();
        let unfaithful = deletion_insertion(&model.models, &input, &reversed, class).unwrap();
        assert!(
            faithful.deletion_auc < unfaithful.deletion_auc,
            "{scan}: deletion {} vs reversed {}",
            faithful.deletion_auc,
            unfaithful.deletion_auc
        );
        assert!(
            faithful.insertion_auc > unfaithful.insertion_auc,
            "{scan}: insertion {} vs reversed {}",
            faithful.insertion_auc,
            unfaithful.insertion_auc
        );
    }
}

#[test]
fn randomising_the_chest_cnn_from_the_top_decorrelates_grad_cam() {
    // Adebayo et al. 2018: with the head and the last block random (the first randomised
    // block), a map that explains the model no longer looks like the original.
    let model = load_shipped("chest-xray-cnn", &ComputeDevice::cpu().device).unwrap();
    let input = chest_sample(&model, "chest_xray_pneumonia_1.png");
    let class = predicted_class(&probabilities(&model.models, &input).unwrap()[0]);
    let grad_cam = || {
        host(
            &explain(
                &model.models,
                &input,
                class,
                &ExplainConfig::new(ExplainMethod::GradCam),
            )
            .unwrap(),
        )
    };
    let before = grad_cam();
    let check = cascading_randomization(
        &model.card.spec,
        &model.models,
        &input,
        class,
        &ExplainConfig::new(ExplainMethod::GradCam),
        5,
    )
    .unwrap();
    let names: Vec<&str> = check.stages.iter().map(|s| s.randomized.as_str()).collect();
    assert_eq!(
        names,
        [
            "head",
            "head + block 4",
            "head + block 4 + block 3",
            "head + block 4 + block 3 + block 2",
            "head + block 4 + block 3 + block 2 + block 1"
        ]
    );
    let by_first_block = check.stages[1].spearman;
    assert!(
        by_first_block < 0.5,
        "ρ {by_first_block} after head + block 4"
    );
    assert!(!check.flagged);
    // The original model is untouched: its map is the same as before the check.
    assert_eq!(grad_cam(), before);
}

#[test]
fn one_class_for_both_maps_draws_each_map_for_that_class() {
    use advlens::attacks::{AttackConfig, AttackControl, AttackKind};
    use advlens::explain::ExplainTarget;
    use advlens::pipeline::{AttackRequest, AttackSpec, run_pipeline};
    let device = ComputeDevice::cpu();
    let model = load_shipped("chest-xray-cnn", &device.device).unwrap();
    let scan = load_scan(
        std::path::Path::new(&common::sample("chest_xray_pneumonia_2.png")),
        &LoadOptions::default(),
    )
    .unwrap();
    let clean = model_input_from_scan(&scan, 128, &device.device);
    let run = |target| {
        let request = AttackRequest {
            scan: scan.clone(),
            spec: AttackSpec {
                attack: AttackConfig::new(AttackKind::Pgd, 4.0 / 255.0),
                explain: ExplainConfig {
                    target,
                    ..ExplainConfig::new(ExplainMethod::GradCam)
                },
                ..AttackSpec::default()
            },
        };
        run_pipeline(&model, &request, &device, &AttackControl::default()).unwrap()
    };
    let own = run(ExplainTarget::Predicted);
    assert_ne!(
        own.clean.label, own.adversarial_prediction.label,
        "PGD at 4/255 flips it"
    );
    let adversarial = advlens::imaging::tensor_from_image(&own.adversarial, &device.device);
    let map = |image: &Tensor<4>, class| {
        host(
            &explain(
                &model.models,
                image,
                class,
                &ExplainConfig::new(ExplainMethod::GradCam),
            )
            .unwrap(),
        )
    };
    let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-3);
    for class in 0..2 {
        let fixed = run(ExplainTarget::Class(class));
        assert!(
            close(&fixed.explanation_clean.pixels, &map(&clean, class)),
            "clean, class {class}"
        );
        assert!(
            close(
                &fixed.explanation_adversarial.pixels,
                &map(&adversarial, class)
            ),
            "adversarial, class {class}"
        );
        assert!(
            fixed
                .explanation
                .describe()
                .ends_with(&format!("for class {class}"))
        );
    }
    let both_clean = run(ExplainTarget::CleanPrediction);
    assert!(close(
        &both_clean.explanation_adversarial.pixels,
        &map(&adversarial, own.clean.label)
    ));
}

#[test]
fn the_head_from_any_block_completes_the_forward_pass_on_both_architectures() {
    let device = burn::tensor::Device::flex();
    device.seed(2);
    let resnet = advlens::models::ResNet18Config::new(2).init(&device);
    let compact = CompactCnnConfig::new(2).init(&device);
    let input = test_image(64);
    for model in [Classifier::ResNet(resnet), Classifier::Compact(compact)] {
        let whole = host2(model.forward(input.clone()));
        assert_eq!(model.blocks(), 4);
        for block in 0..4 {
            let split = host2(model.head_from(model.features_at(input.clone(), block), block));
            for (a, b) in whole.iter().zip(&split) {
                assert!(
                    (a - b).abs() < 1e-4,
                    "{} {block}: {a} vs {b}",
                    model.block_name(block)
                );
            }
        }
        // Earlier blocks are finer.
        let (early, last) = (
            model.features_at(input.clone(), 0),
            model.features(input.clone()),
        );
        assert!(early.dims()[2] > last.dims()[2]);
    }
}

fn host2(tensor: Tensor<2>) -> Vec<f32> {
    tensor.into_data().try_to_vec().unwrap()
}

#[test]
fn a_cam_on_an_earlier_block_is_finer_and_still_in_range() {
    let model = load_shipped("chest-xray-cnn", &ComputeDevice::cpu().device).unwrap();
    let input = chest_sample(&model, "chest_xray_pneumonia_1.png");
    let last = host(
        &explain(
            &model.models,
            &input,
            1,
            &ExplainConfig::new(ExplainMethod::GradCam),
        )
        .unwrap(),
    );
    for method in [
        ExplainMethod::GradCam,
        ExplainMethod::LayerCam,
        ExplainMethod::ScoreCam,
    ] {
        let config = ExplainConfig {
            layer: Some(1),
            ..ExplainConfig::new(method)
        };
        let map = host(&explain(&model.models, &input, 1, &config).unwrap());
        assert!(
            map.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)),
            "{method:?}"
        );
        assert!(map.iter().any(|v| *v > 0.5), "{method:?}: empty");
        assert!(
            config.describe().ends_with("on block 2"),
            "{}",
            config.describe()
        );
        if method == ExplainMethod::GradCam {
            assert_ne!(map, last, "block 2 draws another map than block 4");
        }
    }
    let missing = ExplainConfig {
        layer: Some(4),
        ..ExplainConfig::new(ExplainMethod::GradCam)
    };
    assert!(explain(&model.models, &input, 1, &missing).is_err());
}

#[test]
fn gradient_free_methods_never_run_a_backward_pass_and_the_others_do() {
    let models = tiny_models(2, 4);
    let input = test_image(32);
    for method in ExplainMethod::ALL {
        let config = ExplainConfig {
            method,
            samples: 4,
            steps: 4,
            ..ExplainConfig::default()
        };
        let before = advlens::attacks::backward_passes_on_this_thread();
        explain(&models, &input, 1, &config).unwrap();
        let passes = advlens::attacks::backward_passes_on_this_thread() - before;
        let gradient_free = matches!(
            method,
            ExplainMethod::EigenCam | ExplainMethod::ScoreCam | ExplainMethod::Occlusion
        );
        if gradient_free {
            assert_eq!(passes, 0, "{method:?} ran {passes} backward passes");
        } else {
            assert!(passes > 0, "{method:?} ran no backward pass");
        }
    }
}

#[test]
fn score_cam_and_occlusion_report_their_passes_up_to_the_total() {
    let models = tiny_models(2, 4);
    let input = test_image(32);
    for method in [ExplainMethod::ScoreCam, ExplainMethod::Occlusion] {
        let seen = std::sync::Mutex::new(Vec::new());
        let report = |done: usize, total: usize| seen.lock().unwrap().push((done, total));
        let config = ExplainConfig {
            method,
            occlusion_window: 8,
            occlusion_stride: 4,
            ..ExplainConfig::default()
        };
        let reported =
            advlens::explain::explain_ranked_reporting(&models, &input, 1, &config, Some(&report))
                .unwrap();
        let silent = explain_ranked(&models, &input, 1, &config).unwrap();
        assert_eq!(host(&reported.display), host(&silent.display), "{method:?}");
        let seen = seen.into_inner().unwrap();
        // The tiny model's 8 channels fit one Score-CAM chunk; occlusion has 49 windows.
        assert!(!seen.is_empty(), "{method:?} reported nothing");
        let total = seen[0].1;
        assert!(seen.iter().all(|(_, t)| *t == total));
        assert!(
            seen.windows(2).all(|w| w[0].0 < w[1].0),
            "{method:?}: {seen:?}"
        );
        assert_eq!(
            seen.last().unwrap().0,
            total,
            "{method:?} ends at its total"
        );
    }
}

#[test]
fn one_pass_gives_the_probabilities_and_the_map_of_the_class_they_choose() {
    use advlens::explain::explain_choosing;
    let models = tiny_models(3, 11);
    let input = test_image(32);
    let expected_probs = probabilities(&models, &input).unwrap().remove(0);
    for method in [
        ExplainMethod::GradCam,
        ExplainMethod::LayerCam,
        ExplainMethod::EigenCam,
        ExplainMethod::ScoreCam,
        ExplainMethod::Saliency,
    ] {
        let config = ExplainConfig::new(method);
        // Explain the class the model ranks second, to see that the choice is the one used.
        let mut chosen = None;
        let (probs, map) = explain_choosing(
            &models,
            &input,
            &config,
            |probs| {
                let top = predicted_class(probs);
                let class = (top + 1) % probs.len();
                chosen = Some(class);
                class
            },
            None,
        )
        .unwrap();
        for (a, b) in probs.iter().zip(&expected_probs) {
            assert!((a - b).abs() < 1e-6, "{method:?}: {a} against {b}");
        }
        let class = chosen.unwrap();
        let alone = explain_ranked(&models, &input, class, &config).unwrap();
        for (a, b) in map.ranking.iter().zip(&alone.ranking) {
            assert!((a - b).abs() < 1e-5, "{method:?}: map {a} against {b}");
        }
        assert_eq!(map.ranking.len(), 32 * 32);
    }
    let two = Tensor::cat(vec![input.clone(), input], 0);
    assert!(
        explain_choosing(
            &models,
            &two,
            &ExplainConfig::new(ExplainMethod::GradCam),
            |_| 0,
            None
        )
        .is_err()
    );
}
