//! The dependency rules of ARCHITECTURE.md, read from the source: the desk never imports the
//! command line, the command line never imports the desk, the shared rendering imports
//! neither, and the libraries' messages name no command or flag.

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

/// Every line of the Rust files under `root` for which `bad` is true, as "file:line: text".
fn lines_where(root: &Path, bad: impl Fn(&str) -> bool) -> Vec<String> {
    let files = sources(root);
    assert!(!files.is_empty(), "no sources under {}", root.display());
    let mut lines = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if bad(line) {
                lines.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    lines
}

/// Whether a line of Rust names `module` of the crate: `crate::cli::…`, or within a braced
/// `use crate::{…, cli, …}` (on one line).
fn names_module(line: &str, module: &str) -> bool {
    let direct = ["crate::", "custody::", "super::super::"]
        .iter()
        .any(|prefix| line.contains(&format!("{prefix}{module}")));
    let grouped = ["use crate::{", "use custody::{"].iter().any(|prefix| {
        line.split_once(prefix).is_some_and(|(_, rest)| {
            rest.split(['}', ',', ' '])
                .any(|name| name == module || name.starts_with(&format!("{module}::")))
        })
    });
    direct || grouped
}

/// Every line under `folder` (of `app/src`) that names one of the `forbidden` modules.
fn offending(folder: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(folder);
    lines_where(&root, |line| forbidden.iter().any(|m| names_module(line, m)))
}

/// Whether a line's string literals name a command-line flag (`--role`) or command
/// (`` `custody …` ``, "(custody …)", ": custody …").
fn speaks_command_line(line: &str) -> bool {
    let code = line.trim_start();
    if code.starts_with("//") {
        return false;
    }
    let literals: Vec<&str> = line.split('"').skip(1).step_by(2).collect();
    literals.iter().any(|text| {
        let flag = text.match_indices("--").any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + 2..].chars().next();
            before.is_none_or(|c| !c.is_alphanumeric() && c != '-') && after.is_some_and(|c| c.is_ascii_lowercase())
        });
        let command = ["`custody ", "(custody ", ": custody "]
            .iter()
            .any(|c| text.contains(c));
        flag || command
    })
}

#[test]
fn the_check_for_command_line_words_sees_them() {
    assert!(speaks_command_line(
        r#"    "The first operator must be an administrator (--role admin).""#
    ));
    assert!(speaks_command_line(r#"    "clear it (custody operator unlock {id}).""#));
    assert!(speaks_command_line(
        r#"    "Create the first administrator: custody operator add ID""#
    ));
    assert!(!speaks_command_line(r#"    "Use letters, digits, '-' and '.'""#));
    assert!(!speaks_command_line("    // `custody init` makes it"));
    assert!(names_module("use crate::{cli, render};", "cli"));
    assert!(!names_module("use crate::{client, render};", "cli"));
}

#[test]
fn the_libraries_speak_no_command_line() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for library in ["db/src", "labels/src"] {
        let found = lines_where(&workspace.join(library), speaks_command_line);
        assert!(
            found.is_empty(),
            "a library's message names a command or flag; say it in words, and let the command line's hint add the flag:\n{}",
            found.join("\n")
        );
    }
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
fn sync_imports_neither_front_end() {
    let found = offending("sync", &["cli", "desk"]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn rendering_imports_neither_front_end() {
    let found = offending("render", &["cli", "desk"]);
    assert!(found.is_empty(), "{}", found.join("\n"));
}
