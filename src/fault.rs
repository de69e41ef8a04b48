//! Fault injection for the reliability tests: after [`inject_next`] names a stage (an attack,
//! a defence or an explanation), that stage panics on purpose the next time it runs, so that a
//! test can check the window reports it and stays usable; a GPU start named so fails with an
//! error instead (as a driver that refuses the adapter does). Nothing else ever sets it, and
//! an unset switch costs one atomic load.

use std::sync::atomic::{AtomicU8, Ordering};

/// A stage that can be made to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultStage {
    /// Running an attack.
    Attack,
    /// Applying a test-time defence.
    Defence,
    /// Computing an explanation.
    Explanation,
    /// Starting a wgpu device on an adapter (fails with an error, see [`fails`]).
    GpuStart,
}

impl FaultStage {
    fn code(self) -> u8 {
        match self {
            Self::Attack => 1,
            Self::Defence => 2,
            Self::Explanation => 3,
            Self::GpuStart => 4,
        }
    }
}

/// The stage to fail next (0: none).
static NEXT_FAULT: AtomicU8 = AtomicU8::new(0);

/// Makes `stage` panic the next time it runs (once); `None` clears the switch.
pub fn inject_next(stage: Option<FaultStage>) {
    NEXT_FAULT.store(stage.map_or(0, FaultStage::code), Ordering::SeqCst);
}

/// Whether [`inject_next`] named `stage`; true once, then the switch is clear.
#[must_use]
pub fn fails(stage: FaultStage) -> bool {
    NEXT_FAULT
        .compare_exchange(stage.code(), 0, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok()
}

/// Panics, once, when [`inject_next`] named `stage`.
///
/// # Panics
/// Exactly then, on purpose.
pub fn inject(stage: FaultStage) {
    assert!(
        !fails(stage),
        "fault injected in the {stage:?} stage by the reliability tests"
    );
}
