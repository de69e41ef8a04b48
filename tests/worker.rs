//! The background worker: requests run in order off the caller's thread, a newer attack
//! supersedes older ones (only the newest result is reported), user weights load from a
//! safetensors file with its card, and bad input comes back as an error event.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use advlens::attacks::{AttackConfig, AttackKind};
use advlens::device::DevicePreference;
use advlens::imaging::LoadOptions;
use advlens::models::find_shipped;
use advlens::pipeline::AttackSpec;
use advlens::worker::{ScanSource, WorkerEvent, WorkerHandle, WorkerRequest};

fn worker() -> WorkerHandle {
    WorkerHandle::spawn(DevicePreference::Cpu, Arc::new(|| {})).unwrap()
}

fn sample() -> ScanSource {
    ScanSource::Path(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/chest_xray_normal_2.png"),
    )
}

fn attack(epsilon_255: f64) -> WorkerRequest {
    WorkerRequest::Attack {
        generation: 0,
        spec: Box::new(AttackSpec {
            attack: AttackConfig::new(AttackKind::Fgsm, epsilon_255 / 255.0),
            ..AttackSpec::default()
        }),
    }
}

/// A worker with the bundled normal chest film and `chest-xray-cnn` on their way.
fn worker_with_sample_and_model() -> WorkerHandle {
    let mut worker = worker();
    worker.send(WorkerRequest::LoadScan {
        source: sample(),
        options: LoadOptions::default(),
    });
    worker.send(WorkerRequest::LoadShippedModel(
        "chest-xray-cnn".to_string(),
    ));
    worker
}

/// Collects events until `done` says so or a minute passes.
fn collect(worker: &WorkerHandle, mut done: impl FnMut(&WorkerEvent) -> bool) -> Vec<WorkerEvent> {
    let mut events = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_mins(1);
    while std::time::Instant::now() < deadline {
        if let Some(event) = worker.wait(Duration::from_millis(200)) {
            let stop = done(&event);
            events.push(event);
            if stop {
                return events;
            }
        }
    }
    panic!("the worker did not finish: {events:?}");
}

#[test]
fn a_newer_attack_supersedes_older_ones() {
    let mut worker = worker_with_sample_and_model();
    for epsilon_255 in [1.0, 2.0, 3.0, 4.0, 5.0] {
        worker.send(attack(epsilon_255));
    }
    let latest = worker.latest_attack();
    let events = collect(
        &worker,
        |event| matches!(event, WorkerEvent::AttackDone { generation, .. } if *generation == latest),
    );
    let results: Vec<(u64, f64)> = events
        .iter()
        .filter_map(|event| match event {
            WorkerEvent::AttackDone { generation, result } => {
                Some((*generation, result.attack.epsilon))
            }
            _ => None,
        })
        .collect();
    assert!((results.last().unwrap().1 - 5.0 / 255.0).abs() < 1e-12);
    assert!(
        results.iter().all(|(generation, _)| *generation == latest),
        "stale results were reported: {results:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, WorkerEvent::DeviceReady(d) if d.description.contains("CPU")))
    );
}

#[test]
fn an_fgsm_result_comes_first_and_its_detector_scores_follow() {
    let mut worker = worker_with_sample_and_model();
    worker.send(attack(6.0));
    let latest = worker.latest_attack();
    let events = collect(
        &worker,
        |event| matches!(event, WorkerEvent::DetectionDone { generation, .. } if *generation == latest),
    );
    let done = events
        .iter()
        .position(|e| matches!(e, WorkerEvent::AttackDone { .. }))
        .expect("the result came before its scores");
    let WorkerEvent::AttackDone { result, .. } = &events[done] else {
        unreachable!()
    };
    assert!(result.detection_pending && result.detection.is_none());
    let Some(WorkerEvent::DetectionDone {
        detection: Some(detection),
        ..
    }) = events.last()
    else {
        panic!("no scores: {:?}", events.last());
    };
    assert!(detection.threshold > 0.0 && detection.adversarial_score >= 0.0);
}

#[test]
fn user_weights_load_with_their_card_and_bad_files_are_errors() {
    let shipped = find_shipped("chest-xray-cnn").unwrap();
    let mut worker = worker();
    worker.send(WorkerRequest::LoadWeights {
        weights: shipped.weights_path.clone(),
        card: Box::new(shipped.card.clone()),
    });
    let events = collect(&worker, |event| {
        matches!(
            event,
            WorkerEvent::ModelLoaded(_) | WorkerEvent::Error { .. }
        )
    });
    assert!(
        matches!(events.last(), Some(WorkerEvent::ModelLoaded(card)) if card.name == "chest-xray-cnn"),
        "{events:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.safetensors");
    std::fs::write(&broken, b"not safetensors").unwrap();
    worker.send(WorkerRequest::LoadWeights {
        weights: broken,
        card: Box::new(shipped.card.clone()),
    });
    worker.send(WorkerRequest::LoadScan {
        source: ScanSource::Path(dir.path().join("missing.dcm")),
        options: LoadOptions::default(),
    });
    let mut errors = 0;
    let events = collect(&worker, |event| {
        errors += usize::from(matches!(event, WorkerEvent::Error { .. }));
        errors == 2
    });
    let messages: Vec<String> = events
        .iter()
        .filter_map(|e| {
            if let WorkerEvent::Error { message, .. } = e {
                Some(message.clone())
            } else {
                None
            }
        })
        .collect();
    assert!(messages[0].contains("broken.safetensors"), "{messages:?}");
    assert!(messages[1].contains("missing.dcm"), "{messages:?}");
}
