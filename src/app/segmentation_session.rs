//! What the segmentation view knows: the shipped segmenters, the user's choices (segmenter,
//! scan, true mask, pixel size, attack on the mask), the request last sent for them, and the
//! latest result and Dice-vs-ε curve. The form edits the choices; whenever they differ from
//! what was last sent, the app sends a new request (the newest wins).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::attacks::AttackKind;
use crate::defenses::DefenseConfig;
use crate::segment::{SegmentationAttack, SegmentationLoss, SegmentationResult, SegmenterCard};
use crate::worker::SegmentationJob;

/// Points of the Dice-vs-ε curve after ε = 0.
pub const SWEEP_POINTS: usize = 8;

/// The user's choices.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentationChoices {
    /// The shipped segmenter.
    pub model: String,
    /// The scan file.
    pub scan: Option<PathBuf>,
    /// Compare with the true mask beside the scan (`<name>_mask.<ext>`), when there is one.
    pub use_mask: bool,
    /// The scan's pixel size in mm (a scan's side-car or DICOM tags fill it in).
    pub pixel_size_mm: Option<f32>,
    /// FGSM, BIM or PGD; none to segment only.
    pub attack: Option<AttackKind>,
    /// The adversarial loss.
    pub loss: SegmentationLoss,
    /// ε in 1/255 steps.
    pub epsilon_255: f32,
    /// Steps of BIM and PGD.
    pub steps: usize,
    /// Seed of PGD's random start.
    pub seed: u64,
    /// The largest ε of the Dice-vs-ε curve, in 1/255 steps.
    pub sweep_max_255: f32,
    /// A test-time defence in front of the segmenter, in its text form (`median:3`); empty
    /// for none.
    pub defense: String,
    /// Whether the attack goes through the defence (adaptive) rather than ignoring it.
    pub adaptive: bool,
    /// The rectangle the attack is confined to, as typed (`left,top,right,bottom` in
    /// fractions); empty for the whole image.
    pub region: String,
}

impl SegmentationChoices {
    /// The typed region: `None` for the whole image.
    ///
    /// # Errors
    /// What is wrong with the text.
    pub fn parsed_region(&self) -> Result<Option<crate::attacks::Region>, String> {
        let text = self.region.trim();
        if text.is_empty() {
            return Ok(None);
        }
        crate::attacks::Region::parse(text)
            .map(Some)
            .map_err(|err| err.to_string())
    }
}

/// The segmentation view's state.
#[derive(Debug)]
pub struct SegmentationSession {
    /// The shipped segmenters.
    pub segmenters: Vec<SegmenterCard>,
    /// The user's choices.
    pub choices: SegmentationChoices,
    /// The request last sent, and its generation.
    pub sent: Option<(u64, SegmentationJob)>,
    /// The latest result and the name of its scan.
    pub result: Option<(String, Arc<SegmentationResult>)>,
    /// Increases with every new result (so that its pictures are uploaded once).
    pub result_id: u64,
    /// The Dice-vs-ε curve of the latest request: (ε, Dice).
    pub sweep: Option<Vec<(f64, f32)>>,
    /// With a defence, the defended mask's Dice-vs-ε curve under the attack as chosen.
    pub sweep_defended: Option<Vec<(f64, f32)>>,
    /// The last failure, in words (cleared by the next result).
    pub error: Option<String>,
    /// The generation of the newest request answered (by a result or a failure).
    pub answered: u64,
}

impl SegmentationSession {
    /// The state at start-up: the first segmenter on the first bundled ultrasound sample,
    /// attacked by PGD with the Dice loss at 2/255.
    #[must_use]
    pub fn new(segmenters: Vec<SegmenterCard>, samples: &[PathBuf]) -> Self {
        let model = segmenters
            .first()
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let scan = samples
            .iter()
            .find(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("fetal_head"))
            })
            .cloned();
        let mut session = Self {
            segmenters,
            choices: SegmentationChoices {
                model,
                scan: None,
                use_mask: true,
                pixel_size_mm: None,
                attack: Some(AttackKind::Pgd),
                loss: SegmentationLoss::Dice,
                epsilon_255: 2.0,
                steps: 10,
                seed: 0,
                sweep_max_255: 8.0,
                defense: String::new(),
                adaptive: false,
                region: String::new(),
            },
            sent: None,
            result: None,
            result_id: 0,
            sweep: None,
            sweep_defended: None,
            error: None,
            answered: 0,
        };
        if let Some(scan) = scan {
            session.choose_scan(scan);
        }
        session
    }

    /// Chooses a scan: its true mask and pixel size come from the files beside it, if any.
    pub fn choose_scan(&mut self, scan: PathBuf) {
        self.choices.pixel_size_mm = crate::segment::sidecar_pixel_size(&scan);
        self.choices.scan = Some(scan);
    }

    /// The true mask beside the current scan, if there is one.
    #[must_use]
    pub fn mask_file(&self) -> Option<PathBuf> {
        self.choices.scan.as_deref().and_then(mask_beside)
    }

    /// Whether a request is out whose result has not come back.
    #[must_use]
    pub fn waiting(&self) -> bool {
        self.sent
            .as_ref()
            .is_some_and(|(generation, _)| self.answered < *generation)
    }

    /// The request the choices describe (none without a segmenter or a scan, or with an
    /// attack that cannot be made).
    #[must_use]
    pub fn job(&self) -> Option<SegmentationJob> {
        let choices = &self.choices;
        if choices.model.is_empty() {
            return None;
        }
        let attack = match choices.attack {
            Some(kind) => {
                let epsilon = f64::from(choices.epsilon_255) / 255.0;
                let mut attack = SegmentationAttack::new(kind, choices.loss, epsilon).ok()?;
                attack.steps = choices.steps.max(1);
                attack.region = choices.parsed_region().ok()?;
                Some(attack.with_seed(choices.seed))
            }
            None => None,
        };
        let defense = if choices.defense.is_empty() {
            None
        } else {
            Some(DefenseConfig::parse(&choices.defense).ok()?)
        };
        Some(SegmentationJob {
            adaptive: defense.is_some() && choices.adaptive,
            defense,
            model: choices.model.clone(),
            scan: choices.scan.clone()?,
            mask: if choices.use_mask {
                self.mask_file()
            } else {
                None
            },
            pixel_size_mm: choices.pixel_size_mm,
            sweep: attack
                .is_some()
                .then_some((SWEEP_POINTS, f64::from(choices.sweep_max_255) / 255.0)),
            attack,
        })
    }
}

/// `<stem>_mask.<ext>` beside `scan`, if it exists.
#[must_use]
pub fn mask_beside(scan: &Path) -> Option<PathBuf> {
    let stem = scan.file_stem()?.to_string_lossy();
    let extension = scan
        .extension()
        .map_or_else(String::new, |e| format!(".{}", e.to_string_lossy()));
    let mask = scan.with_file_name(format!("{stem}_mask{extension}"));
    mask.is_file().then_some(mask)
}
