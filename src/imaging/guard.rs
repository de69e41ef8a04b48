//! A guard around third-party decoders: a decoder that panics on a damaged file (the fuzzer
//! found one in dicom-rs's RLE decoder) gives an error naming the file instead of taking the
//! program down, and its panic message is not printed (the user gets one clear line).

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Whether this thread is inside [`guarded`] (its panics are expected and reported as errors).
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Installs, once, a panic hook that stays silent for guarded panics and hands every other one
/// to the hook that was there before.
fn install_quiet_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Runs `decode`; a panic inside it becomes `Err` with the panic's message.
///
/// # Errors
/// The message of a panic inside `decode`.
pub(crate) fn guarded<T>(decode: impl FnOnce() -> T) -> Result<T, String> {
    install_quiet_hook();
    let was = GUARDED.with(|flag| flag.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(decode));
    GUARDED.with(|flag| flag.set(was));
    outcome.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "the decoder failed".to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_becomes_an_error_and_a_value_passes_through() {
        assert_eq!(guarded(|| 7), Ok(7));
        let err = guarded(|| -> u8 { panic!("index out of bounds: the len is 3") }).unwrap_err();
        assert!(err.contains("index out of bounds"), "{err}");
        // The flag is cleared afterwards.
        assert!(!GUARDED.with(Cell::get));
    }
}
