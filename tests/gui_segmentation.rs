//! The segmentation view on the real app through `egui_kittest`: opened from the status line,
//! it segments the bundled ultrasound sample with the shipped U-Net on its own thread,
//! compares with the sonographer's mask, shows that PGD on the Dice loss breaks the mask and
//! moves the head circumference, redraws when ε moves, computes the Dice-vs-ε curve, exports
//! its files, runs APGD picked from its attack menu, and looks as its stored snapshot does.

#[path = "common/window.rs"]
mod window;

use std::time::{Duration, Instant};

use advlens::app::{AdvlensApp, Command, Tab};
use advlens::attacks::AttackKind;
use advlens::segment::SegmentationLoss;
use eframe::egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use window::{harness, settle};

/// Steps frames until the view's newest request is answered, its curve included.
fn wait_for_segmentation(harness: &mut Harness<'_, AdvlensApp>) {
    let started = Instant::now();
    loop {
        harness.step();
        let view = harness.state().segmentation();
        let curve_due = view.choices.attack.is_some() && view.sweep.is_none();
        if view.sent.is_some() && !view.waiting() && !curve_due {
            harness.step();
            return;
        }
        assert!(
            started.elapsed() < Duration::from_mins(2),
            "no segmentation after two minutes; error {:?}",
            view.error
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn open_view(harness: &mut Harness<'_, AdvlensApp>) {
    settle(harness);
    harness.get_by_label("Segmentation").click();
    harness.run_steps(2);
    assert_eq!(harness.state().tab(), Tab::Segmentation);
    wait_for_segmentation(harness);
}

#[test]
fn pgd_on_the_dice_loss_breaks_the_mask_of_the_bundled_scan() {
    let mut harness = harness();
    open_view(&mut harness);
    let choices = harness.state().segmentation().choices.clone();
    assert_eq!(choices.model, "fetal-head-unet");
    assert!(
        choices.pixel_size_mm.is_some(),
        "the side-car gives the pixel size"
    );
    let (scan, result) = harness.state().segmentation().result.clone().unwrap();
    assert!(scan.starts_with("fetal_head"), "{scan}");
    assert!(
        result.reference_given,
        "the true mask beside the sample is used"
    );
    assert!(result.clean_dice > 0.9, "clean Dice {}", result.clean_dice);
    harness.get_by_label_contains("Dice against the sonographer's mask");
    harness.get_by_label_contains("Head circumference");
    // A stronger attack: PGD on the Dice loss at 8/255 ruins the outline.
    {
        let choices = harness.state_mut().segmentation_choices_mut();
        choices.attack = Some(AttackKind::Pgd);
        choices.loss = SegmentationLoss::Dice;
        choices.epsilon_255 = 8.0;
    }
    wait_for_segmentation(&mut harness);
    let (_, attacked) = harness.state().segmentation().result.clone().unwrap();
    assert!(
        attacked.adversarial_dice < 0.5,
        "PGD-10 at 8/255 keeps Dice {}",
        attacked.adversarial_dice
    );
    assert!(attacked.linf <= 8.0 / 255.0 + 1e-6);
    let curve = harness.state().segmentation().sweep.clone().unwrap();
    assert_eq!(curve.len(), 9);
    assert!(curve[0].1 > curve[curve.len() - 1].1, "{curve:?}");
    // A median filter in front of the segmenter: its mask is shown beside the attacked one.
    harness.state_mut().segmentation_choices_mut().defense = "median:3".to_string();
    wait_for_segmentation(&mut harness);
    let (_, defended) = harness.state().segmentation().result.clone().unwrap();
    let behind = defended.defended.as_ref().unwrap();
    assert!((0.0..=1.0).contains(&behind.dice));
    assert!(!behind.adaptive);
    harness.get_by_label_contains("Behind median 3×3 (unaware attack)");
    // The attack that knows the defence: ticked in the form, it goes through the median.
    harness.get_by_label("attack knows the defence").click();
    harness.run_steps(2);
    wait_for_segmentation(&mut harness);
    let (_, adaptive) = harness.state().segmentation().result.clone().unwrap();
    assert!(adaptive.defended.as_ref().unwrap().adaptive);
    harness.get_by_label_contains("Behind median 3×3 (adaptive attack)");
    // The curve behind the defence sits beside the segmenter's own, over the same ε.
    let view = harness.state().segmentation();
    let (alone, behind) = (
        view.sweep.clone().unwrap(),
        view.sweep_defended.clone().unwrap(),
    );
    assert_eq!(alone.len(), behind.len());
    assert!(alone.iter().zip(&behind).all(|(a, b)| a.0 == b.0));
    assert!(behind.iter().all(|(_, dice)| (0.0..=1.0).contains(dice)));
    harness.get_by_label_contains("behind the defence, Dice");
    // A typed region confines the attack; a text that is not one says why.
    harness.state_mut().segmentation_choices_mut().region = "0.25,0.25,2".to_string();
    harness.run_steps(2);
    harness.get_by_label_contains("Region:");
    harness.state_mut().segmentation_choices_mut().region = "0.25,0.25,0.75,0.75".to_string();
    wait_for_segmentation(&mut harness);
    let (_, confined) = harness.state().segmentation().result.clone().unwrap();
    assert!(
        confined
            .attack
            .as_deref()
            .unwrap()
            .contains("in region 0.25,0.25,0.75,0.75")
    );
    // Exporting writes the figure and the numbers.
    let folder = tempfile::tempdir().unwrap();
    harness.state_mut().push(Command::ExportSegmentation(Some(
        folder.path().to_path_buf(),
    )));
    harness.run_steps(2);
    for file in [
        "segmentation.png",
        "segmentation.json",
        "mask_adversarial.png",
    ] {
        assert!(folder.path().join(file).is_file(), "{file} missing");
    }
    let json = std::fs::read_to_string(folder.path().join("segmentation.json")).unwrap();
    assert!(!json.contains(&folder.path().display().to_string()));
}

#[test]
fn apgd_picked_from_the_menu_breaks_the_mask() {
    let mut harness = harness();
    open_view(&mut harness);
    harness
        .get_by_role_and_label(Role::ComboBox, "attack")
        .click();
    harness.run_steps(3);
    harness.get_by_label("APGD").click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().segmentation().choices.attack,
        Some(AttackKind::ApgdCe)
    );
    harness.get_by_label_contains("APGD sets its own step");
    {
        let choices = harness.state_mut().segmentation_choices_mut();
        choices.loss = SegmentationLoss::Dice;
        choices.epsilon_255 = 8.0;
    }
    wait_for_segmentation(&mut harness);
    let (_, attacked) = harness.state().segmentation().result.clone().unwrap();
    assert!(
        attacked.adversarial_dice < 0.6,
        "APGD-10 at 8/255 keeps Dice {}",
        attacked.adversarial_dice
    );
    assert!(attacked.linf <= 8.0 / 255.0 + 1e-6);
}

#[test]
fn segmentation_view_snapshot() {
    let Some(mut harness) = window::snapshot_harness([1400.0, 1000.0]) else {
        return;
    };
    settle(&mut harness);
    harness
        .state_mut()
        .push(Command::ShowTab(Tab::Segmentation));
    harness.step();
    wait_for_segmentation(&mut harness);
    harness.run_steps(3);
    // The workbench's wall-clock time in the status line differs from run to run.
    let timing: Vec<eframe::egui::Rect> = harness
        .get_all_by_label_contains("Last run")
        .map(|node| node.rect())
        .collect();
    for rect in timing {
        harness.mask(eframe::egui::Rect::from_min_size(
            rect.min,
            eframe::egui::vec2(160.0, rect.height()),
        ));
    }
    harness.snapshot("segmentation_view");
}
