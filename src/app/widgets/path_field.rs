//! A labelled path field with a button: the fallback for file dialogs where no desktop portal
//! answers. Enter in the field works like the button.

use std::path::PathBuf;

use eframe::egui;

/// Draws `label [field] [button]`; returns the path when the button is pressed (or Enter) and
/// the field is not empty.
pub fn path_field_ui(
    ui: &mut egui::Ui,
    label: &str,
    hint: &str,
    text: &mut String,
    button: &str,
) -> Option<PathBuf> {
    ui.horizontal(|ui| {
        let label = ui.label(label);
        let field = ui
            .add(
                egui::TextEdit::singleline(text)
                    .hint_text(hint)
                    .desired_width(140.0),
            )
            .labelled_by(label.id);
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let pressed = ui.button(button).clicked() || entered;
        (pressed && !text.trim().is_empty()).then(|| PathBuf::from(text.trim()))
    })
    .inner
}
