//! The Square attack in both norms on a tiny seeded model: it never runs a backward pass
//! (counted), keeps to its query budget, stays in [0, 1] and within ε, and spends its budget
//! (the perturbation sits on the ε-sphere where clipping does not bite).

mod common;

use advlens::attacks::{
    AttackConfig, AttackControl, AttackKind, Norm, backward_passes_on_this_thread, run_attack,
};
use common::{host, image_batch, perturbation_sizes, predictions, tiny_models};

const SIZE: usize = 32;

#[test]
fn square_never_computes_a_gradient_and_keeps_to_its_budget_in_both_norms() {
    let models = tiny_models(2, 24);
    let images = image_batch(3);
    let labels = predictions(&models, &images);
    let clean_values = host(&images);
    let before = backward_passes_on_this_thread();
    for (norm, epsilon) in [(Norm::Linf, 6.0 / 255.0), (Norm::L2, 0.4)] {
        let config = AttackConfig::new(AttackKind::Square, epsilon)
            .with_norm(norm)
            .with_queries(200);
        let outcome = run_attack(
            &models,
            &images,
            &labels,
            false,
            &config,
            &AttackControl::default(),
        )
        .unwrap();
        assert_eq!(
            backward_passes_on_this_thread(),
            before,
            "Square {norm:?} ran a backward pass"
        );
        assert_eq!(outcome.gradient_evaluations, 0);
        assert!(
            outcome.queries >= 1 && outcome.queries <= 200,
            "{}",
            outcome.queries
        );
        let adversarial = host(&outcome.adversarial);
        assert!(adversarial.iter().all(|v| (0.0..=1.0).contains(v)));
        for size in perturbation_sizes(&adversarial, &clean_values, SIZE * SIZE, norm) {
            assert!(size <= epsilon + 1e-5, "Square {norm:?}: {size}");
            // Square spends its whole budget: the perturbation sits on the sphere (no pixel
            // here is near 0 or 1, so clipping never bites).
            assert!(
                size >= epsilon * 0.999,
                "Square {norm:?} left budget: {size}"
            );
        }
    }
    // The counter is live: a gradient attack moves it.
    let apgd = AttackConfig::new(AttackKind::ApgdCe, 6.0 / 255.0).with_steps(3);
    run_attack(
        &models,
        &images,
        &labels,
        false,
        &apgd,
        &AttackControl::default(),
    )
    .unwrap();
    assert_eq!(backward_passes_on_this_thread(), before + 3);
}
