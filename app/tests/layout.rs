//! The dependency rules of ARCHITECTURE.md, read from the source: the desk never imports the
//! command line, the command line never imports the desk, and the shared rendering imports
//! neither.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// Every line under `folder` (of `app/src`) that names one of the `forbidden` modules.
fn offending(folder: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(folder);
    let files = sources(&root);
    assert!(!files.is_empty(), "no sources under {}", root.display());
    let mut lines = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for module in forbidden {
                let named = ["crate::", "custody::", "super::super::"]
                    .iter()
                    .any(|prefix| line.contains(&format!("{prefix}{module}")));
                if named {
                    lines.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
    }
    lines
}

#[test]
fn the_desk_never_imports_the_command_line() {
    let found = offending("desk", &["cli"]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_command_line_never_imports_the_desk() {
    let found = offending("cli", &["desk"]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn rendering_imports_neither_front_end() {
    let found = offending("render", &["cli", "desk"]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}
