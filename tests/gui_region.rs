//! Drawing a region on the original view, through `egui_kittest` on the real app: the drag
//! becomes the attack's region, the attack changes only the pixels inside it, the numbers say
//! what share of the image that is, and *Clear region* gives the whole image back.

#[path = "common/window.rs"]
mod window;

use eframe::egui::{self, Event, PointerButton, Pos2};
use egui_kittest::kittest::Queryable;
use window::{harness, settle};

fn pointer(harness: &mut egui_kittest::Harness<'_, advlens::app::AdvlensApp>, event: Event) {
    harness.input_mut().events.push(event);
    harness.step();
}

fn button(pos: Pos2, pressed: bool) -> Event {
    Event::PointerButton {
        pos,
        button: PointerButton::Primary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    }
}

#[test]
fn a_rectangle_drawn_on_the_original_confines_the_attack() {
    let mut harness = harness();
    settle(&mut harness);
    harness.get_by_label("Draw region").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Drag a rectangle on the Original view");
    // The original view is the square under its title.
    let title = harness.get_by_label_contains("Original —").rect();
    let top_left = Pos2::new(title.min.x, title.max.y + 8.0);
    let side = 300.0;
    let start = top_left + egui::vec2(0.1 * side, 0.2 * side);
    let end = top_left + egui::vec2(0.5 * side, 0.6 * side);
    pointer(&mut harness, Event::PointerMoved(start));
    pointer(&mut harness, button(start, true));
    for step in 1..=5 {
        let at = start + (end - start) * (step as f32 / 5.0);
        pointer(&mut harness, Event::PointerMoved(at));
    }
    pointer(&mut harness, button(end, false));
    settle(&mut harness);
    let region = harness
        .state()
        .settings()
        .spec
        .attack
        .region
        .expect("the drag should set the attack's region");
    assert!(region.right > region.left && region.bottom > region.top);
    let result = harness.state().result().unwrap();
    assert_eq!(result.attack.region, Some(region));
    let inside = region.pixels(result.original.width, result.original.height);
    let mut changed_inside = 0;
    for (index, (after, before)) in result
        .adversarial
        .pixels
        .iter()
        .zip(&result.original.pixels)
        .enumerate()
    {
        if inside[index] {
            changed_inside += usize::from(after != before);
        } else {
            assert_eq!(after.to_bits(), before.to_bits(), "pixel {index} outside");
        }
    }
    assert!(changed_inside > 0);
    harness.get_by_label_contains("% of pixels may change");
    harness.get_by_label("Clear region").click();
    harness.run_steps(2);
    settle(&mut harness);
    assert_eq!(harness.state().settings().spec.attack.region, None);
    assert_eq!(harness.state().result().unwrap().attack.region, None);
}
