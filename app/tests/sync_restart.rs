//! PostgreSQL restarted in the middle of a sync. A test binary of its own: the restart cuts every
//! connection to the test server, which the other sync tests (run in parallel) must not see.

#![allow(clippy::unwrap_used)]

mod common;

use common::server::*;
use custody_tests::Desk;

/// `custody ARGS` at `desk` while the server restarts under it (after `after`): the command
/// fails or finishes, nothing more.
fn restart_during(desk: &Desk, args: &[&str], cluster: &std::ffi::OsStr, after: std::time::Duration) {
    let mut child = spawn(desk, args);
    std::thread::sleep(after);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/postgres");
    let restarted = std::process::Command::new(script)
        .arg("restart")
        .arg(cluster)
        .status()
        .unwrap();
    assert!(restarted.success(), "the test server restarts");
    child.wait().unwrap();
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn postgres_restarted_in_the_middle_of_a_sync_loses_and_doubles_nothing() {
    let server = fresh_server("restarted");
    let cluster = std::ffi::OsString::from(server_folder());
    let a = busy_desk();
    a.ok(&["server", "init", "--url", &server]);
    let url_a = add_desk(&a, &server, "restarted-a");
    let url_b = add_desk(&a, &server, "restarted-b");

    // The server restarts while A pushes, then while B (made by joining) pushes its own, then
    // while A pulls them; each desk syncs again after.
    restart_during(
        &a,
        &["sync", "join", &url_a],
        &cluster,
        std::time::Duration::from_millis(600),
    );
    a.ok(&["sync", "join", &url_a]);
    let mut b = joined_desk(&url_b, &a.now);
    registers_laptops(&mut b, 3000);
    restart_during(&b, &["sync"], &cluster, std::time::Duration::from_millis(300));
    b.ok(&["sync"]);
    restart_during(&a, &["sync"], &cluster, std::time::Duration::from_millis(300));
    a.ok(&["sync"]);
    b.ok(&["sync"]);
    assert_eq!(
        count_on_server(&server),
        local_head(&a) + local_head(&b),
        "every entry once"
    );
    assert_no_duplicates(&server);
    assert_agree(&[&a, &b]);
}
