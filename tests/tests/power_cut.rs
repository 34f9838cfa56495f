//! A short run of the power-cut harness (`scripts/power-cut` runs the long one): 50 rounds in
//! which nothing acknowledged may be lost, and the control, in which the writer runs at
//! `synchronous=OFF` and the harness must see losses.

#![allow(clippy::unwrap_used)]

use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_power_cut"))
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().unwrap_or(-1), format!("{stdout}{stderr}"))
}

#[test]
fn a_power_cut_loses_no_acknowledged_record() {
    let (code, said) = run(&["50"]);
    let last = said
        .lines()
        .rfind(|l| l.starts_with("power-cut:"))
        .unwrap_or_default()
        .to_string();
    assert_eq!(code, 0, "{said}");
    assert!(
        last.starts_with("power-cut: 50 rounds") && last.contains("lost 0"),
        "{said}"
    );
}

/// A restore cut at each of its syncs in turn: the database's name holds the old file or the
/// restored one, never neither (it did, when the old file was renamed aside first).
#[test]
fn a_restore_cut_at_any_moment_leaves_the_old_file_or_the_new_one() {
    let (code, said) = run(&["--restores", "64"]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("lost 0"), "{said}");
}

#[test]
fn the_control_at_synchronous_off_shows_the_harness_sees_a_loss() {
    let (code, said) = run(&["--control", "10"]);
    assert_eq!(
        code, 1,
        "the control lost nothing, so the harness proves nothing:\n{said}"
    );
    let lost: usize = said
        .rsplit("lost ")
        .next()
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(lost > 0, "{said}");
}
