//! File dialogs where none can be shown (no desktop portal, as under Xvfb in CI): the window
//! says so once, keeps its scan and result, and the typed path still works.

#[path = "common/window.rs"]
mod window;

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use window::{harness, settle};

#[test]
fn without_a_dialog_backend_the_window_says_so_once_and_keeps_its_scan() {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        eprintln!("skipped: a desktop session bus is present, so a real dialog could open");
        return;
    }
    let mut harness = harness();
    settle(&mut harness);
    let before = harness.state().result().unwrap().original.clone();
    harness.get_by_label("Open scan…").click();
    let started = Instant::now();
    // The dialog runs on its own thread; the window keeps drawing meanwhile.
    while harness.state().errors().is_empty() && started.elapsed() < Duration::from_secs(20) {
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    // A second try answers as fast; the window does not repeat itself.
    harness.get_by_label("Open scan…").click();
    let again = Instant::now();
    while again.elapsed() < Duration::from_millis(1500) {
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    let errors = harness.state().errors();
    let told: Vec<&String> = errors
        .iter()
        .filter(|e| e.contains("No file dialog could be shown"))
        .collect();
    assert_eq!(told.len(), 1, "said exactly once: {errors:?}");
    assert_eq!(harness.state().result().unwrap().original, before);
    harness.get_by_label_contains("type the path into the field");
}
