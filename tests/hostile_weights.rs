//! Hostile weights and cards, made by code from the shipped chest CNN: a safetensors header
//! that lies about its length, a header that is not JSON, an empty file, NaN and Inf in the
//! weights, a tensor of the wrong shape or dtype, a missing tensor, and cards that are not
//! JSON, name an unknown architecture or an absurd input size. Each is refused with a clear
//! error naming the file, and nothing panics.

use std::path::{Path, PathBuf};

use advlens::device::ComputeDevice;
use advlens::models::{ModelCard, load_model_files};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/models")
        .join(name)
}

/// Changes one tensor (name, dtype, shape, bytes) in place; `false` leaves it out.
type Rewrite<'a> = &'a dyn Fn(&str, &mut Dtype, &mut Vec<usize>, &mut Vec<u8>) -> bool;

/// The shipped chest CNN's tensors, with `change` applied to each.
fn rewritten(change: Rewrite<'_>) -> Vec<u8> {
    let bytes = std::fs::read(shipped("chest-xray-cnn.safetensors")).unwrap();
    let tensors = SafeTensors::deserialize(&bytes).unwrap();
    let mut owned: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
    // In name order, so that "the first weight" is the same tensor on every run.
    let mut named = tensors.tensors();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, view) in named {
        let (mut dtype, mut shape, mut data) =
            (view.dtype(), view.shape().to_vec(), view.data().to_vec());
        if change(&name, &mut dtype, &mut shape, &mut data) {
            owned.push((name, dtype, shape, data));
        }
    }
    let views: Vec<(String, TensorView<'_>)> = owned
        .iter()
        .map(|(name, dtype, shape, data)| {
            (
                name.clone(),
                TensorView::new(*dtype, shape.clone(), data).unwrap(),
            )
        })
        .collect();
    safetensors::serialize(views, None).unwrap()
}

fn first_f32_tensor(name: &str, dtype: Dtype) -> bool {
    dtype == Dtype::F32 && name.ends_with("weight")
}

fn hostile_weights() -> Vec<(&'static str, Vec<u8>)> {
    let good = std::fs::read(shipped("chest-xray-cnn.safetensors")).unwrap();
    let mut lying = good.clone();
    lying[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    let mut not_json = b"\x10\0\0\0\0\0\0\0".to_vec();
    not_json.extend(b"this is not json");
    let poisoned = |value: f32, rank: usize| {
        let done = std::cell::Cell::new(false);
        rewritten(&move |name, dtype, shape, data| {
            if !done.get() && first_f32_tensor(name, *dtype) && shape.len() == rank {
                data[..4].copy_from_slice(&value.to_le_bytes());
                done.set(true);
            }
            true
        })
    };
    vec![
        ("lying_header.safetensors", lying),
        ("not_json_header.safetensors", not_json),
        ("empty.safetensors", Vec::new()),
        ("truncated.safetensors", good[..good.len() / 3].to_vec()),
        ("nan_kernel.safetensors", poisoned(f32::NAN, 4)),
        ("inf_kernel.safetensors", poisoned(f32::INFINITY, 4)),
        ("inf_norm_scale.safetensors", poisoned(f32::INFINITY, 1)),
        (
            "minus_inf_norm_scale.safetensors",
            poisoned(f32::NEG_INFINITY, 1),
        ),
        (
            "wrong_shape.safetensors",
            rewritten(&|name, dtype, shape, _| {
                if first_f32_tensor(name, *dtype) && shape.len() == 4 {
                    shape.swap(0, 1);
                }
                true
            }),
        ),
        (
            "wrong_dtype.safetensors",
            rewritten(&|name, dtype, _, _| {
                if first_f32_tensor(name, *dtype) {
                    *dtype = Dtype::I32;
                }
                true
            }),
        ),
        (
            "missing_tensor.safetensors",
            rewritten(&|name, dtype, _, _| {
                !first_f32_tensor(name, *dtype) || !name.contains("classifier")
            }),
        ),
    ]
}

#[test]
fn hostile_weights_are_refused_with_the_file_named() {
    let folder = tempfile::tempdir().unwrap();
    let card = ModelCard::load(&shipped("chest-xray-cnn.json")).unwrap();
    let device = ComputeDevice::cpu().device;
    for (name, bytes) in hostile_weights() {
        let path = folder.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let outcome = std::panic::catch_unwind(|| load_model_files(&path, card.clone(), &device));
        let result = outcome.unwrap_or_else(|_| panic!("{name}: loading panicked"));
        let Err(error) = result else {
            panic!("{name}: loaded");
        };
        let message = error.to_string();
        eprintln!("{name}: {message}");
        assert!(message.contains(name), "{name}: {message}");
        assert!(!message.contains('\n'), "{name}: {message}");
    }
}

#[test]
fn hostile_cards_are_refused() {
    let folder = tempfile::tempdir().unwrap();
    let good: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(shipped("chest-xray-cnn.json")).unwrap())
            .unwrap();
    let mut unknown_arch = good.clone();
    unknown_arch["spec"]["arch"] = "vision-transformer-9000".into();
    let cases = [
        ("not_json.json", "{ this is not json".to_string()),
        ("unknown_arch.json", unknown_arch.to_string()),
        ("empty.json", String::new()),
    ];
    for (name, text) in cases {
        let path = folder.path().join(name);
        std::fs::write(&path, text).unwrap();
        let error = ModelCard::load(&path).unwrap_err().to_string();
        assert!(error.contains(name), "{name}: {error}");
    }
    // A card that parses but promises an absurd input size is refused at load time.
    let mut card = ModelCard::load(&shipped("chest-xray-cnn.json")).unwrap();
    card.spec.input_size = 100_000;
    let error = load_model_files(
        &shipped("chest-xray-cnn.safetensors"),
        card,
        &ComputeDevice::cpu().device,
    )
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(error.contains("input size 100000"), "{error}");
}
