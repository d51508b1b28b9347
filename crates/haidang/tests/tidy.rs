//! Repository rules that a review would otherwise have to remember: every Rust source file
//! opens with a `//!` line saying what it is for, and `anyhow` stays in the binary.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != "fuzz" && !name.to_string_lossy().starts_with('.') {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn workspace_crates() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_source_file_says_what_it_is_for() {
    let mut files = Vec::new();
    rust_files(&workspace_crates(), &mut files);
    assert!(files.len() > 20, "found only {} files", files.len());
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading //! line: {missing:#?}"
    );
}

#[test]
fn anyhow_is_only_in_the_binary() {
    let mut offenders = Vec::new();
    for entry in std::fs::read_dir(workspace_crates())
        .expect("crates/")
        .flatten()
    {
        let manifest = entry.path().join("Cargo.toml");
        if entry.file_name() == "haidang" || !manifest.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&manifest).unwrap_or_default();
        let dependencies = text.split("[dev-dependencies]").next().unwrap_or_default();
        if dependencies
            .lines()
            .any(|l| l.trim_start().starts_with("anyhow"))
        {
            offenders.push(manifest.display().to_string());
        }
    }
    assert!(
        offenders.is_empty(),
        "library crates depending on anyhow: {offenders:?}"
    );
}
