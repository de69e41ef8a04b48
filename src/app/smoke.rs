//! The smoke test of the real binary (run under Xvfb in CI): once the first result is on
//! screen, take a screenshot of the window, check it is not blank, save it, and quit.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use eframe::egui::{self, ViewportCommand};

/// What the smoke test does.
#[derive(Debug, Clone)]
pub struct SmokeTest {
    /// Where the screenshot goes.
    pub screenshot: PathBuf,
}

/// Progress of the smoke test.
pub struct SmokeState {
    test: SmokeTest,
    frames_with_result: u32,
    requested: bool,
    started: std::time::Instant,
    screenshot: Arc<Mutex<Option<Arc<egui::ColorImage>>>>,
}

/// Give up after this long without a result.
const TIMEOUT_SECONDS: u64 = 600;

impl SmokeState {
    /// Starts the test.
    #[must_use]
    pub fn new(test: SmokeTest) -> Self {
        Self { test, frames_with_result: 0, requested: false, started: std::time::Instant::now(), screenshot: Arc::default() }
    }

    /// Called every frame.
    pub fn step(&mut self, ctx: &egui::Context, has_result: bool) {
        if self.started.elapsed().as_secs() > TIMEOUT_SECONDS {
            eprintln!("smoke test: no result after {TIMEOUT_SECONDS} s");
            std::process::exit(2);
        }
        if has_result {
            self.frames_with_result += 1;
        }
        if self.frames_with_result >= 3 && !self.requested {
            let slot = self.screenshot.clone();
            let repaint = ctx.clone();
            ctx.send_viewport_cmd(ViewportCommand::Screenshot(egui::ScreenshotCallback::new(move |image| {
                if let Ok(mut slot) = slot.lock() {
                    *slot = Some(image);
                }
                repaint.request_repaint();
            })));
            self.requested = true;
        }
        let screenshot = self.screenshot.lock().ok().and_then(|mut slot| slot.take());
        if let Some(image) = screenshot {
            let code = match self.save(&image) {
                Ok(distinct) => {
                    println!("smoke test: first result on screen; screenshot {}×{} with {distinct} distinct colours saved to {}", image.width(), image.height(), self.test.screenshot.display());
                    i32::from(distinct < 16)
                }
                Err(err) => {
                    eprintln!("smoke test: {err}");
                    1
                }
            };
            if code == 0 {
                ctx.send_viewport_cmd(ViewportCommand::Close);
            } else {
                eprintln!("smoke test: the window looks blank");
                std::process::exit(code);
            }
        }
        ctx.request_repaint_after(std::time::Duration::from_millis(50));
    }

    fn save(&self, image: &egui::ColorImage) -> Result<usize, String> {
        let rgb: Vec<[u8; 3]> = image.pixels.iter().map(|c| [c.r(), c.g(), c.b()]).collect();
        let mut distinct: Vec<[u8; 3]> = rgb.iter().step_by(7).copied().collect();
        distinct.sort_unstable();
        distinct.dedup();
        crate::export::write_rgb8(image.width(), image.height(), &rgb, &self.test.screenshot).map_err(|err| err.to_string())?;
        Ok(distinct.len())
    }
}
