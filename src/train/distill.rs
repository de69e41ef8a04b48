//! Knowledge distillation (Hinton, Vinyals and Dean 2015, "Distilling the Knowledge in a Neural
//! Network"): a small student network learns from a larger trained teacher's softened
//! predictions as well as from the labels.
//!
//! The batch loss is `(1 − w)·CE(labels) + w·T²·KL(softmax(t/T) ‖ softmax(s/T))`, with `t` the
//! teacher's and `s` the student's logits on the same augmented (and, with mixup or CutMix,
//! mixed) images, `T` the temperature and `w` the distillation weight. `T²` keeps the soft
//! term's gradients on the scale of the hard term's as `T` grows (the paper's section 2). The
//! teacher runs in evaluation mode on the plain device and is never updated; its logits are
//! constants of the student's step. The teacher is a weight file with its card beside it
//! (`NAME.safetensors` and `NAME.json`), so that a shipped model can teach.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor};

use super::config::TrainError;
use super::trades::kl_rows;
use crate::datasets::sha256_file;
use crate::models::{Classifier, ModelCard, Task, load_model_files};

/// How to distil: from which teacher, at which temperature and weight.
#[derive(Debug, Clone, PartialEq)]
pub struct Distillation {
    /// The teacher's weight file; its card is the `.json` beside it.
    pub teacher: PathBuf,
    /// The softmax temperature `T` (> 0; 4 is usual).
    pub temperature: f32,
    /// The share `w` of the distillation term in the loss, in [0, 1].
    pub weight: f32,
}

/// A loaded teacher: its network in evaluation mode (batch norms folded, as every evaluation
/// copy is) and the distillation settings it was loaded for.
#[derive(Debug)]
pub struct Teacher {
    network: Classifier,
    /// The temperature and weight it teaches with.
    pub settings: Distillation,
}

impl Teacher {
    /// Loads the teacher of `distillation` for `task` on `device`, checking that it classifies
    /// the same classes at the same input size.
    ///
    /// # Errors
    /// [`TrainError::Other`] naming the file when the card or the weights cannot be read, or
    /// when the teacher was made for another task or input size.
    pub fn load(
        distillation: &Distillation,
        task: Task,
        input_size: usize,
        device: &Device,
    ) -> Result<Self, TrainError> {
        let path = &distillation.teacher;
        let card = distillation.teacher_card(task)?;
        if card.spec.input_size != input_size {
            return Err(teacher_error(
                path,
                format!(
                    "it takes {0}×{0} images, the data set has {1}×{1}",
                    card.spec.input_size, input_size
                ),
            ));
        }
        let loaded =
            load_model_files(path, card, device).map_err(|err| teacher_error(path, err))?;
        Ok(Self {
            network: loaded.models.inference,
            settings: distillation.clone(),
        })
    }

    /// The teacher's logits for a training batch (which lives on the autodiff device), as a
    /// constant on that device.
    ///
    /// # Shapes
    /// - images: `[batch, 1, H, W]`; output: `[batch, classes]`
    #[must_use]
    pub fn logits(&self, images: &Tensor<4>) -> Tensor<2> {
        self.network
            .forward(images.clone().without_autodiff())
            .autodiff()
    }
}

fn teacher_error(path: &Path, what: impl std::fmt::Display) -> TrainError {
    TrainError::Other(format!("the teacher {}: {what}", path.display()))
}

impl Distillation {
    /// The teacher's card (the `.json` beside its weights), checked to classify `task`'s
    /// classes, so that a wrong teacher is refused before any data is loaded.
    ///
    /// # Errors
    /// [`TrainError::Other`] naming the file when the card cannot be read or the weight file
    /// is missing, or when the teacher was made for other classes.
    pub fn teacher_card(&self, task: Task) -> Result<ModelCard, TrainError> {
        let path = &self.teacher;
        if !path.is_file() {
            return Err(teacher_error(path, "no such weight file"));
        }
        let card_path = path.with_extension("json");
        let card = ModelCard::load(&card_path).map_err(|err| {
            teacher_error(path, format!("its card {} ({err})", card_path.display()))
        })?;
        if card.classes != task.classes() {
            return Err(teacher_error(
                path,
                format!(
                    "it classifies {:?}, the task {task} needs {:?}",
                    card.classes,
                    task.classes()
                ),
            ));
        }
        Ok(card)
    }

    /// Describes the distillation for the card of the model it teaches: the teacher's name
    /// (from its card) and the SHA-256 of its weight file, read now.
    ///
    /// # Errors
    /// [`TrainError::Other`] naming the file when the card or the weights cannot be read.
    pub fn card_words(&self) -> Result<String, TrainError> {
        let path = &self.teacher;
        let card = ModelCard::load(&path.with_extension("json"))
            .map_err(|err| teacher_error(path, err))?;
        let sha256 = sha256_file(path).map_err(|err| teacher_error(path, err))?;
        Ok(self.describe(&card.name, &sha256))
    }

    /// Describes the distillation for a card, with the teacher's name and weights' SHA-256.
    #[must_use]
    pub fn describe(&self, teacher_name: &str, teacher_sha256: &str) -> String {
        format!(
            "distilled from {teacher_name} (weights {file}, SHA-256 {teacher_sha256}): {keep}·that + {weight}·T²·KL(teacher ‖ student) at temperature T = {temperature}",
            file = file_name(&self.teacher),
            keep = short_number(1.0 - f64::from(self.weight)),
            weight = short_number(f64::from(self.weight)),
            temperature = short_number(f64::from(self.temperature)),
        )
    }

    /// The batch loss: `(1 − w)·hard + w·T²·mean KL(softmax(teacher/T) ‖ softmax(student/T))`.
    ///
    /// # Shapes
    /// - hard: `[1]`; student, teacher: `[batch, classes]`; output: `[1]`
    #[must_use]
    pub fn loss(&self, hard: Tensor<1>, student: Tensor<2>, teacher: Tensor<2>) -> Tensor<1> {
        let soft = soft_target_loss(student, teacher, self.temperature);
        hard.mul_scalar(1.0 - self.weight)
            .add(soft.mul_scalar(self.weight))
    }
}

/// `T²` times the batch mean of KL(softmax(teacher/T) ‖ softmax(student/T)).
///
/// # Shapes
/// - student, teacher: `[batch, classes]`; output: `[1]`
#[must_use]
pub fn soft_target_loss(student: Tensor<2>, teacher: Tensor<2>, temperature: f32) -> Tensor<1> {
    let scale = 1.0 / temperature;
    kl_rows(teacher.mul_scalar(scale), student.mul_scalar(scale))
        .mean()
        .mul_scalar(temperature * temperature)
}

/// A weight or temperature as typed: at most four decimals, no trailing zeros (0.1, not
/// 0.100000024 for 1 − 0.9 in single precision).
fn short_number(value: f64) -> String {
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    fn logits(values: &[f32], classes: usize) -> Tensor<2> {
        Tensor::<2>::from_data(
            TensorData::new(values.to_vec(), [values.len() / classes, classes]),
            &Device::flex(),
        )
    }

    fn scalar(tensor: Tensor<1>) -> f32 {
        tensor
            .into_data()
            .try_to_vec::<f32>()
            .map_or(f32::NAN, |v| v[0])
    }

    fn softmax(row: &[f64]) -> Vec<f64> {
        let top = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exps: Vec<f64> = row.iter().map(|v| (v - top).exp()).collect();
        let sum: f64 = exps.iter().sum();
        exps.iter().map(|e| e / sum).collect()
    }

    #[test]
    fn soft_target_loss_is_t_squared_times_the_mean_kl_of_the_softened_rows() {
        let student = [1.0f32, -0.5, 0.2, 0.3, 2.0, -1.0];
        let teacher = [3.0f32, 0.0, -2.0, -1.0, 1.0, 0.5];
        for temperature in [1.0f32, 2.0, 4.0] {
            let mut expected = 0.0f64;
            for row in 0..2 {
                let soften = |v: &[f32]| -> Vec<f64> {
                    v[row * 3..row * 3 + 3]
                        .iter()
                        .map(|&x| f64::from(x) / f64::from(temperature))
                        .collect()
                };
                let p = softmax(&soften(&teacher));
                let q = softmax(&soften(&student));
                expected += p
                    .iter()
                    .zip(&q)
                    .map(|(p, q)| p * (p.ln() - q.ln()))
                    .sum::<f64>();
            }
            expected *= f64::from(temperature * temperature) / 2.0;
            let got = scalar(soft_target_loss(
                logits(&student, 3),
                logits(&teacher, 3),
                temperature,
            ));
            assert!(
                (f64::from(got) - expected).abs() < 1e-5,
                "T = {temperature}: {got} against {expected}"
            );
            assert!(expected > 0.01, "the case is not trivial");
        }
    }

    #[test]
    fn a_student_that_agrees_with_its_teacher_has_no_soft_loss() {
        let same = [0.7f32, -1.2, 2.5, 0.0];
        let got = scalar(soft_target_loss(logits(&same, 2), logits(&same, 2), 4.0));
        assert!(got.abs() < 1e-6, "{got}");
        // Logits that differ by a constant per row give the same softmax.
        let shifted = [1.7f32, -0.2, 0.5, -2.0];
        let got = scalar(soft_target_loss(logits(&same, 2), logits(&shifted, 2), 4.0));
        assert!(got.abs() < 1e-6, "{got}");
    }

    #[test]
    fn the_loss_mixes_hard_and_soft_terms_by_the_weight() {
        let distillation = Distillation {
            teacher: PathBuf::from("teacher.safetensors"),
            temperature: 2.0,
            weight: 0.75,
        };
        let ninety = Distillation {
            weight: 0.9,
            ..distillation.clone()
        };
        assert!(ninety.describe("t", "s").contains(": 0.1·that + 0.9·T²"));
        let student = logits(&[1.0, 0.0, 0.0, 1.0], 2);
        let teacher = logits(&[0.0, 2.0, 2.0, 0.0], 2);
        let hard = Tensor::<1>::from_data(TensorData::new(vec![0.8f32], [1]), &Device::flex());
        let soft = scalar(soft_target_loss(student.clone(), teacher.clone(), 2.0));
        let got = scalar(distillation.loss(hard, student, teacher));
        assert!((got - (0.25 * 0.8 + 0.75 * soft)).abs() < 1e-6, "{got}");
        let words = distillation.describe("big-teacher", "abc123");
        assert!(words.contains(": 0.25·that + 0.75·T²"), "{words}");
        assert!(words.contains("big-teacher") && words.contains("teacher.safetensors"));
        assert!(words.contains("SHA-256 abc123") && words.contains("T = 2"));
    }

    #[test]
    fn the_soft_loss_pulls_the_student_towards_the_teacher() {
        // One gradient step on the student's logits lowers the KL.
        let device = Device::flex().autodiff();
        let teacher = logits(&[2.0, -1.0, 0.5], 3).autodiff();
        let start =
            Tensor::<2>::from_data(TensorData::new(vec![-1.0f32, 1.0, 0.0], [1, 3]), &device)
                .require_grad();
        let loss = soft_target_loss(start.clone(), teacher.clone(), 4.0);
        let before = scalar(loss.clone().without_autodiff());
        let gradients = loss.backward();
        let gradient = start.grad(&gradients).expect("a gradient");
        let stepped = start.without_autodiff().sub(gradient.mul_scalar(0.5));
        let after = scalar(soft_target_loss(stepped, teacher.without_autodiff(), 4.0));
        assert!(after < before, "{after} ≥ {before}");
    }
}
