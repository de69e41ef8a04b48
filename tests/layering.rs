//! Dependencies run one way: a module may use its own layer and the layers below it, never a
//! layer above. The layers are the ones `ARCHITECTURE.md` lists; this test reads every
//! `crate::…` path in `src/` (outside `#[cfg(test)]` blocks) and fails on an upward one.

use std::path::Path;

/// Bottom to top.
const LAYERS: [&[&str]; 8] = [
    &[
        "imaging",
        "metrics",
        "datasets",
        "device",
        "resources",
        "about",
        "fault",
    ],
    &["models"],
    &["attacks"],
    &["defenses", "explain"],
    &["pipeline", "train", "eval"],
    &["recipe", "export", "scenarios", "segment"],
    &["worker"],
    &["app"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The upward `crate::…` paths in the code of `module` (test blocks left out).
fn upward_paths(module: &str, code: &str) -> Vec<String> {
    let own = layer_of(module).unwrap_or(usize::MAX);
    let code = code.split("#[cfg(test)]").next().unwrap_or_default();
    code.split("crate::")
        .skip(1)
        .filter_map(|rest| {
            let target: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            layer_of(&target)
                .is_some_and(|layer| layer > own)
                .then(|| format!("{module} → {target}"))
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    let mut modules_seen = 0;
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
        if ["lib", "main", "cli"].contains(&module.as_str()) {
            continue; // the binary's edge sits above every layer
        }
        assert!(
            layer_of(&module).is_some(),
            "module {module} is in no layer: add it to LAYERS and ARCHITECTURE.md"
        );
        modules_seen += 1;
        let code = std::fs::read_to_string(file).unwrap();
        for path in upward_paths(&module, &code) {
            violations.push(format!("{}: {path}", relative.display()));
        }
    }
    assert!(modules_seen > 50, "only {modules_seen} files read");
    assert!(
        violations.is_empty(),
        "upward imports:\n{}",
        violations.join("\n")
    );
}

#[test]
fn a_planted_upward_import_is_caught() {
    assert_eq!(
        upward_paths(
            "models",
            "use crate::eval::RobustnessTable;\nuse crate::imaging::Scan;"
        ),
        vec!["models → eval".to_string()]
    );
    assert!(upward_paths("models", "#[cfg(test)]\nmod tests { use crate::eval::X; }").is_empty());
    assert!(upward_paths("pipeline", "use crate::attacks::run_attack;").is_empty());
}
