//! The workbench window (egui/eframe). The UI only draws result values and sends requests to
//! the background worker; it never touches tensors. Panels push [`Command`]s while drawing and
//! [`AdvlensApp::apply`] carries them out in one place.

mod accessors;
mod actions;
mod centre_actions;
mod colormap_gpu;
mod commands;
mod compare;
mod dataset_actions;
mod dataset_session;
mod dataset_settings;
mod dialogs;
mod export_files;
mod history;
mod lecture;
mod lecture_actions;
mod options;
mod panels;
mod play;
mod restore;
mod result_events;
mod segmentation_actions;
pub mod segmentation_session;
mod session;
mod settings;
mod shortcuts;
mod smoke;
mod smoke_animation;
mod smoke_dataset;
mod soak;
mod theme;
mod ui_state;
mod view_images;
mod view_state;
mod widgets;

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

pub use colormap_gpu::{COLORMAP_WGSL, ColormapPipeline, ShaderParams, upload_image};
pub use commands::{Command, Commands, Tab};
pub use compare::{CompareSide, ComparisonRow, Pinned, comparison_rows, robust_twin};
pub use dataset_session::{DatasetSession, EvaluationProgress};
pub use dataset_settings::{DatasetSettings, EVALUATION_ATTACKS};
pub use history::{HISTORY_THUMBNAIL, HistoryEntry, MAX_HISTORY};
pub use lecture::{LectureState, Reproduction};
pub use options::AppOptions;
pub use session::{Session, StatusInfo};
pub use settings::{APP_ID, Settings, settings_dir};
pub use smoke::SmokeTest;
pub use soak::SoakTest;
pub use ui_state::{LayoutRecord, TextFields, UiState};
pub use view_images::cpu_image;
pub use view_state::{ViewKind, ViewState};

use crate::imaging::LoadOptions;
use crate::models::list_shipped;
use crate::pipeline::AttackSpec;
use crate::worker::{
    EvaluationRunner, ScanSource, SegmentationRunner, WorkerHandle, WorkerRequest,
};

use view_images::ViewRenderer;

/// The scan shown at first start (in the bundled samples, wherever they are installed).
///
/// # Errors
/// [`ResourceNotFound`](crate::resources::ResourceNotFound) when the samples are not found.
pub fn bundled_scan() -> Result<PathBuf, crate::resources::ResourceNotFound> {
    crate::resources::locate(crate::resources::Resource::SampleData)
        .map(|dir| dir.join("chest_xray_normal_2.png"))
}

/// The application: what the session knows, the window's own state, the worker that does the
/// work, and the commands the panels pushed this frame. `logic` handles the worker's events
/// and the commands; `ui` only draws.
pub struct AdvlensApp {
    session: Session,
    ui_state: UiState,
    worker: WorkerHandle,
    evaluator: EvaluationRunner,
    segmenter: SegmentationRunner,
    commands: Commands,
    smoke: Option<smoke::SmokeState>,
    soak: Option<soak::SoakState>,
}

impl AdvlensApp {
    /// Creates the app: restores settings, starts the worker and asks it for the first result.
    #[must_use]
    pub fn new(cc: &eframe::CreationContext<'_>, options: AppOptions) -> Self {
        let (stored, notice) = if options.fresh_settings {
            (None, None)
        } else {
            settings::read_stored(cc.storage)
        };
        let ctx = cc.egui_ctx.clone();
        let renderer = ViewRenderer::from_render_state(cc.wgpu_render_state.as_ref());
        let mut app = Self::with_parts(&ctx, renderer, stored.unwrap_or_default(), options);
        app.session.errors.extend(notice);
        app
    }

    fn with_parts(
        ctx: &egui::Context,
        renderer: ViewRenderer,
        settings: Settings,
        options: AppOptions,
    ) -> Self {
        theme::install_fonts(ctx);
        let notify_ctx = ctx.clone();
        let notify: Arc<dyn Fn() + Send + Sync> = Arc::new(move || notify_ctx.request_repaint());
        let evaluator = EvaluationRunner::new(notify.clone());
        let segmenter = SegmentationRunner::spawn(notify.clone());
        let spawned = match options.shared_device.clone() {
            Some(device) => WorkerHandle::spawn_with(move || Ok(device), notify),
            None => WorkerHandle::spawn(options.device, notify),
        };
        let (worker, mut errors) = match spawned {
            Ok(worker) => (worker, Vec::new()),
            Err(err) => (
                // Without a thread nothing can run; keep the window alive to say so.
                WorkerHandle::spawn_with(|| Err("no worker thread".to_string()), Arc::new(|| {}))
                    .unwrap_or_else(|_| std::process::abort()),
                vec![format!("could not start the background worker: {err}")],
            ),
        };
        let segmenter = segmenter.unwrap_or_else(|err| {
            errors.push(format!("could not start the segmentation thread: {err}"));
            // Without its thread the view only says so; the rest of the window works.
            SegmentationRunner::spawn(Arc::new(|| {})).unwrap_or_else(|_| std::process::abort())
        });
        errors.extend(options.device_notice.clone());
        let models = list_shipped().unwrap_or_else(|err| {
            errors.push(format!("could not list the shipped models: {err}"));
            Vec::new()
        });
        let mut app = Self {
            session: Session::new(settings, models, errors),
            ui_state: UiState::new(renderer),
            worker,
            evaluator,
            segmenter,
            commands: Commands::default(),
            smoke: options.smoke.map(smoke::SmokeState::new),
            soak: options.soak.map(soak::SoakState::new),
        };
        app.choose_start_model(options.model.as_deref());
        match options.scan.map_or_else(bundled_scan, Ok) {
            Ok(first_scan) => app.open_scan(ScanSource::Path(first_scan), LoadOptions::default()),
            Err(err) => app.session.errors.push(format!(
                "could not open the bundled scan: {err}. Open a scan with Open…"
            )),
        }
        let model = app.session.settings.model.clone();
        app.worker.send(WorkerRequest::LoadShippedModel(model));
        app.request_attack_and_sweep();
        ctx.request_repaint();
        app
    }

    /// Starts with `asked` when it is a shipped classifier (else says so and keeps the saved
    /// one), then makes sure the model is one that exists.
    fn choose_start_model(&mut self, asked: Option<&str>) {
        let mut unknown = None;
        if let Some(asked) = asked {
            if self.session.models.iter().any(|m| m.name == asked) {
                self.session.settings.model = asked.to_string();
            } else {
                unknown = Some(asked);
            }
        }
        self.ensure_known_model();
        if let Some(unknown) = unknown {
            let shipped: Vec<&str> = self
                .session
                .models
                .iter()
                .map(|m| m.name.as_str())
                .collect();
            self.session.errors.push(format!(
                "no shipped model is called '{unknown}' (shipped: {}); starting with {}",
                shipped.join(", "),
                self.session.settings.model
            ));
        }
    }

    fn ensure_known_model(&mut self) {
        if !self.session.models.is_empty()
            && !self
                .session
                .models
                .iter()
                .any(|m| m.name == self.session.settings.model)
        {
            self.session.settings.model = self.session.models[0].name.clone();
        }
    }

    fn open_scan(&mut self, source: ScanSource, options: LoadOptions) {
        self.session.status.busy = Some("reading the scan…".to_string());
        self.session.scan_source = Some(source.clone());
        self.session.load_options = options;
        self.worker
            .send(WorkerRequest::LoadScan { source, options });
    }

    /// Sends the current attack and its sweep to the worker.
    fn request_attack_and_sweep(&mut self) {
        self.request_attack();
        self.request_sweep();
    }

    /// Sends the current attack to the worker (a replay of earlier steps stops: the new result
    /// must not be drawn over).
    fn request_attack(&mut self) {
        self.session.replay = None;
        let attack = self.session.settings.spec.attack.clone();
        self.session.status.awaiting_result = true;
        self.session.status.running = attack.kind.is_iterative();
        self.session.status.progress = None;
        self.worker.send(WorkerRequest::Attack {
            generation: 0,
            spec: Box::new(AttackSpec {
                attack,
                ..self.session.settings.spec.clone()
            }),
        });
    }

    /// Sends the ε sweep of the current attack to the worker.
    fn request_sweep(&mut self) {
        let attack = self.session.settings.spec.attack.clone();
        if !attack.kind.sweeps() {
            self.session.sweep = None;
            self.session.status.sweeping = false;
            return;
        }
        self.session.status.sweeping = true;
        let (max_epsilon, points) =
            actions::sweep_range(&attack, self.session.settings.max_epsilon_255);
        let versus = self
            .session
            .settings
            .sweep_versus
            .and_then(|kind| actions::versus_attack(&attack, kind))
            .map(Box::new);
        self.worker.send(WorkerRequest::Sweep {
            generation: 0,
            attack: Box::new(attack),
            max_epsilon,
            points,
            true_label: self.session.settings.spec.true_label,
            defense: self.session.settings.spec.defense.clone().map(Box::new),
            versus,
        });
    }

    /// Everything but drawing: the worker's events, the keys, the smoke and soak tests, the
    /// commands all of these pushed (applied in one place) and the style.
    pub fn logic(&mut self, ctx: &egui::Context) {
        self.handle_events();
        self.handle_evaluation_events();
        self.update_segmentation();
        self.check_scenario_result();
        self.advance_play();
        self.advance_replay();
        shortcuts::handle(ctx, &self.session, &mut self.commands);
        if let Some(mut smoke) = self.smoke.take() {
            smoke::step(self, &mut smoke, ctx);
            self.smoke = Some(smoke);
        }
        if let Some(mut soak) = self.soak.take() {
            soak::step(self, &mut soak, ctx);
            self.soak = Some(soak);
        }
        self.apply(ctx);
        theme::apply_style(ctx, self.session.settings.presentation);
        if self.is_busy()
            || self.session.status.sweeping
            || self.session.dataset.running()
            || self.session.playing.is_some()
            || self.session.replay.is_some()
        {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    /// Draws one frame: the panels read the session and push commands, applied at the end of
    /// the frame (not one frame later, which would add a whole frame to every slider move).
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let session = &mut self.session;
        let commands = &mut self.commands;
        panels::status_bar_ui(
            ui,
            session,
            self.ui_state.renderer.name(),
            self.ui_state.tab,
            commands,
        );
        if session.lecture.shown {
            panels::lecture_bar_ui(ui, session, commands);
        }
        if self.ui_state.tab == Tab::Dataset {
            panels::dataset_ui(ui, session, &mut self.ui_state.thumbnails, commands);
        } else if self.ui_state.tab == Tab::Segmentation {
            panels::segmentation_ui(
                ui,
                &mut session.segmentation,
                &mut self.ui_state.segmentation_pictures,
                commands,
            );
        } else {
            if !session.settings.presentation || self.ui_state.controls_in_presentation {
                panels::controls_ui(
                    ui,
                    session,
                    &mut self.ui_state.fields,
                    self.ui_state.view.region_tool.drawing,
                    commands,
                );
            }
            panels::numbers_ui(ui, session);
            if self.ui_state.shown.history {
                panels::history_strip_ui(
                    ui,
                    &session.settings.history,
                    &mut self.ui_state.history_pictures,
                    commands,
                );
            }
            let sweep_in_grid = panels::sweep_fits_in_grid(ui, session);
            self.ui_state.layout.sweep_plot = if sweep_in_grid {
                None
            } else {
                panels::sweep_strip_ui(ui, session, commands)
            };
            panels::views_ui(ui, session, &mut self.ui_state, commands, sweep_in_grid);
        }
        if self.ui_state.shown.help {
            panels::help_ui(&ctx, &mut self.ui_state.shown.help);
        }
        if self.ui_state.shown.about {
            panels::about_ui(&ctx, &mut self.ui_state.shown.about);
        }
        if !self.commands.is_empty() {
            // Apply them now, so that a job the panels asked for starts while this frame is
            // rendered, and draw their effect in the next frame.
            self.apply(&ctx);
            ctx.request_repaint();
        }
    }
}

impl eframe::App for AdvlensApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        AdvlensApp::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.session.settings);
    }
}
