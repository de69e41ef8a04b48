//! advlens engine: scans in, trained medical models, gradient attacks, Grad-CAM, metrics, and
//! one pipeline that the GUI, the CLI and the tests all call. The engine modules never import
//! egui; the window lives in [`app`] and only draws the engine's result values.
//!
//! Dependencies run one way, top to bottom: `app` → `worker` → `recipe`/`export`/`scenarios` →
//! `pipeline`/`train`/`eval` → `defenses` → `attacks`/`explain` → `models` →
//! `imaging`/`metrics`/`datasets`/`device` (checked by `tests/layering.rs`; see
//! `ARCHITECTURE.md`).

pub mod about;
pub mod app;
pub mod attacks;
pub mod datasets;
pub mod defenses;
pub mod device;
pub mod eval;
pub mod explain;
pub mod export;
pub mod fault;
pub mod imaging;
pub mod metrics;
pub mod models;
pub mod pipeline;
pub mod recipe;
pub mod resources;
pub mod scenarios;
pub mod segment;
pub mod train;
pub mod worker;
