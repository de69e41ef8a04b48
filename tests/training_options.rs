//! `advlens train` refuses option combinations it cannot honour, in words, before any data is
//! loaded: batch mixing under adversarial training or for a segmenter, and out-of-range α.

use std::process::Command;

fn train_fails_saying(arguments: &[&str], expected: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_advlens"))
        .arg("train")
        .args(arguments)
        .args(["--datasets", "/nonexistent-advlens-datasets"])
        .output()
        .expect("advlens runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{arguments:?} was accepted");
    assert!(
        stderr.contains(expected),
        "{arguments:?}: expected '{expected}' in: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn mixing_is_refused_with_adversarial_training() {
    for flag in ["--mixup", "--cutmix"] {
        train_fails_saying(
            &["--task", "brain-mri", flag, "0.2", "--adversarial", "pgd"],
            "cannot be used with",
        );
    }
}

#[test]
fn mixing_alpha_out_of_range_is_refused() {
    for value in ["4.5", "abc", "NaN"] {
        train_fails_saying(
            &["--task", "chest-xray", "--cutmix", value],
            "the mixing α must be a number in [0, 4]",
        );
    }
}

#[test]
fn mixing_is_refused_for_a_segmenter() {
    train_fails_saying(
        &["--task", "fetal-head", "--mixup", "0.2"],
        "apply to classifiers only",
    );
}

#[test]
fn distillation_is_refused_with_adversarial_training_and_for_a_segmenter() {
    let teacher = "assets/models/brain-mri-resnet18.safetensors";
    train_fails_saying(
        &[
            "--task",
            "brain-mri",
            "--teacher",
            teacher,
            "--adversarial",
            "pgd",
        ],
        "cannot be used with",
    );
    train_fails_saying(
        &["--task", "fetal-head", "--teacher", teacher],
        "apply to classifiers only",
    );
}

#[test]
fn a_wrong_or_missing_teacher_is_refused_before_any_data_is_loaded() {
    train_fails_saying(
        &[
            "--task",
            "chest-xray",
            "--teacher",
            "assets/models/brain-mri-resnet18.safetensors",
        ],
        "the task chest-xray needs",
    );
    train_fails_saying(
        &[
            "--task",
            "brain-mri",
            "--teacher",
            "/nonexistent/teacher.safetensors",
        ],
        "no such weight file",
    );
    for value in ["0", "200", "abc"] {
        train_fails_saying(
            &[
                "--task",
                "brain-mri",
                "--teacher",
                "assets/models/brain-mri-resnet18.safetensors",
                "--distill-temperature",
                value,
            ],
            "the distillation temperature must be a number in (0, 100]",
        );
    }
}
