//! Sync against a real PostgreSQL (the one `scripts/test` starts; `CUSTODY_TEST_POSTGRES` is its
//! administrator's URL). Each test makes a database of its own on that server. A test that needs
//! it is `#[ignore]`d with that reason, so a plain `cargo test` shows it as not run; `scripts/test`
//! runs it, and there a missing server fails it.

#![allow(clippy::unwrap_used)]

mod common;

use common::server::*;
use custody_tests::Desk;

#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn a_desk_joins_and_pushes_each_entry_exactly_once() {
    let server = fresh_server("once");
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["out", "LT-0001", "LT-0002", "--to", "S001"]);
    let init = desk.ok(&["server", "init", "--url", &server]);
    let password = server.split(':').nth(2).unwrap().split('@').next().unwrap();
    assert!(
        init.contains("schema is ready") && !init.contains(password),
        "no password shown: {init}"
    );
    desk.ok(&["server", "init", "--url", &server]); // again: nothing breaks
    let url = add_desk(&desk, &server, "once-a");
    assert!(url.starts_with("postgres://custody_desk_once_a:"), "{url}");

    let joined = desk.ok(&["sync", "join", &url]);
    let head = local_head(&desk);
    assert!(joined.contains(&format!("Pushed {head} entries")), "{joined}");
    assert_eq!(count_on_server(&server), head);
    let credentials = desk.dir.path().join("custody.db.sync");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&credentials).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the desk's login is readable by its owner only");
    }
    assert!(
        !desk.dump().contains("custody_desk_once_a"),
        "the server's login is never in the ledger"
    );

    // Nothing new: nothing sent. New entries: only those.
    assert!(desk.ok(&["sync"]).contains("pushed 0 entries"));
    desk.ok(&["in", "LT-0001"]);
    assert!(desk.ok(&["sync"]).contains("pushed 1 entries"));
    assert_eq!(count_on_server(&server), head + 1);

    // A retry after a lost acknowledgement: the same entries again change nothing.
    let mut as_desk = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let copied = as_desk
        .execute(
            "INSERT INTO custody_entries (desk, seq, id, entry, kind, body, prev_hash, hash)
             SELECT desk, seq, id, entry, kind, body, prev_hash, hash FROM custody_entries",
            &[],
        )
        .unwrap();
    assert_eq!(copied, 0, "every entry is already there");
    assert_eq!(count_on_server(&server), head + 1);

    let status = desk.ok(&["sync", "status"]);
    assert!(status.contains("Waiting to be pushed: 0 entries."), "{status}");
    let desks = desk.ok(&["server", "desks", "--url", &server]);
    assert!(
        desks.contains("once-a") && desks.contains(&format!("head {}", head + 1)),
        "{desks}"
    );
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn the_server_refuses_changes_deletions_and_another_desks_entries() {
    let server = fresh_server("guards");
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["server", "init", "--url", &server]);
    let a = add_desk(&desk, &server, "guards-a");
    let b = add_desk(&desk, &server, "guards-b");
    desk.ok(&["sync", "join", &a]);
    let before = count_on_server(&server);

    let mut as_a = postgres::Client::connect(&a, postgres::NoTls).unwrap();
    let refused = |result: Result<u64, postgres::Error>| -> String {
        let e = result.unwrap_err();
        e.as_db_error().map(|d| d.message().to_string()).unwrap_or_default()
    };
    let update = refused(as_a.execute("UPDATE custody_entries SET kind = 'lost'", &[]));
    assert!(update.contains("permission denied"), "{update}");
    let delete = refused(as_a.execute("DELETE FROM custody_entries", &[]));
    assert!(delete.contains("permission denied"), "{delete}");
    // Not even the server's owner changes the record: the table's triggers refuse.
    let mut owner = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    let update = refused(owner.execute("UPDATE custody_entries SET kind = 'lost'", &[]));
    assert!(update.contains("append-only"), "{update}");
    let delete = refused(owner.execute("DELETE FROM custody_entries", &[]));
    assert!(delete.contains("append-only"), "{delete}");
    let truncate = refused(as_a.execute("TRUNCATE custody_entries", &[]));
    assert!(!truncate.is_empty(), "a desk may not truncate");

    // Desk B may read A's entries but not add to A's chain, nor push as A.
    let mut as_b = postgres::Client::connect(&b, postgres::NoTls).unwrap();
    let read: i64 = as_b
        .query_one("SELECT count(*) FROM custody_entries", &[])
        .unwrap()
        .get(0);
    assert_eq!(read, before, "every desk reads every desk's entries");
    let forged = refused(as_b.execute(
        "INSERT INTO custody_entries (desk, seq, id, entry, kind, body, prev_hash, hash)
         SELECT desk, seq + 1, gen_random_uuid(), entry, kind, body, hash, hash FROM custody_entries
         ORDER BY seq DESC LIMIT 1",
        &[],
    ));
    assert!(forged.contains("is pushed by custody_desk_guards_a"), "{forged}");
    let as_other = refused(as_b.execute(
        "INSERT INTO custody_entries (login, desk, seq, id, entry, kind, body, prev_hash, hash)
         VALUES ('custody_desk_guards_a', gen_random_uuid(), 1, gen_random_uuid(), 'event', 'x', '{}', '\\x00', '\\x00')",
        &[],
    ));
    assert!(!as_other.is_empty(), "pushing in another desk's name is refused");
    assert_eq!(count_on_server(&server), before, "nothing was changed");

    // A copy of desk A's database joining as desk B: refused, nothing sent.
    let copy = Desk {
        db: desk.dir.path().join("copy.db"),
        ..Desk::new(CUSTODY)
    };
    std::fs::copy(&desk.db, &copy.db).unwrap();
    let joined = copy.run(&["sync", "join", &b]);
    assert_eq!(joined.code, 1, "{joined:?}");
    assert!(joined.stderr.contains("copy of another desk's database"), "{joined:?}");
    assert!(
        !desk.dir.path().join("copy.db.sync").exists(),
        "a refused join keeps nothing"
    );
    assert_eq!(count_on_server(&server), before);
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn a_forked_desk_is_refused_loudly_and_nothing_on_the_server_changes() {
    let server = fresh_server("fork");
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["server", "init", "--url", &server]);
    let url = add_desk(&desk, &server, "fork-a");
    desk.ok(&["sync", "join", &url]);
    let old = desk.dir.path().join("old.db");
    desk.ok(&["backup", "-o", old.to_str().unwrap()]);
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    desk.ok(&["sync"]);
    let on_server = count_on_server(&server);

    // Restored from the older backup, then used: its next entry differs from the server's.
    desk.ok(&["restore", old.to_str().unwrap()]);
    desk.ok(&["out", "LT-0002", "--to", "S002"]);
    let before = desk.dump();
    let refused = desk.run(&["sync"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("forked") && refused.stderr.contains("Nothing was sent or overwritten"),
        "{refused:?}"
    );
    assert_eq!(count_on_server(&server), on_server);
    assert_eq!(desk.dump(), before);
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn an_unreachable_server_stops_nothing_at_the_desk() {
    let server = fresh_server("offline");
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["server", "init", "--url", &server]);
    let url = add_desk(&desk, &server, "offline-a");
    desk.ok(&["sync", "join", &url]);
    // The same desk, its server now at a port where nothing listens.
    let credentials = desk.dir.path().join("custody.db.sync");
    let text = std::fs::read_to_string(&credentials).unwrap();
    let port = url.rsplit_once(':').unwrap().1.split('/').next().unwrap().to_string();
    std::fs::write(&credentials, text.replace(&format!(":{port}/"), ":9/")).unwrap();

    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    let offline = desk.run(&["sync"]);
    assert_eq!(offline.code, 1);
    assert!(offline.stderr.contains("could not reach the server"), "{offline:?}");
    assert!(
        !offline.stderr.contains(url.split('@').next().unwrap()),
        "no password in the message"
    );
    let status = desk.ok(&["sync", "status"]);
    assert!(
        status.contains("cannot be reached") && status.contains("Waiting to be pushed: 1 entries"),
        "{status}"
    );
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn only_an_administrator_joins_a_desk() {
    let server = fresh_server("roles");
    let mut desk = Desk::with_basics(CUSTODY);
    desk.ok(&["server", "init", "--url", &server]);
    let url = add_desk(&desk, &server, "roles-a");
    desk.add_operator("clerk", custody_db::Role::Operator);
    desk.act_as("clerk", "clerk-password");
    let refused = desk.run(&["sync", "join", &url]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("needs the admin role"), "{refused:?}");
    assert!(!desk.dir.path().join("custody.db.sync").exists());
    let not_joined = desk.run(&["sync"]);
    assert!(not_joined.stderr.contains("has not joined a server"), "{not_joined:?}");
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn each_desk_receives_the_others_entries_in_their_own_chains() {
    let server = fresh_server("pull");
    let a = Desk::with_basics(CUSTODY);
    a.ok(&["server", "init", "--url", &server]);
    let url_a = add_desk(&a, &server, "pull-a");
    let url_b = add_desk(&a, &server, "pull-b");
    a.ok(&["out", "LT-0001", "--to", "S001"]);
    a.ok(&["sync", "join", &url_a]);
    let head_a = local_head(&a);
    // The second desk is made by joining: the trust's register, operators and root key.
    let b = Desk::new(CUSTODY);
    let joined = b.ok(&["sync", "join", &url_b]);
    assert!(
        joined.contains(&format!("Received {head_a} entries from the other 1 desks.")),
        "{joined}"
    );
    b.ok(&["out", "LT-0002", "--to", "S002"]);
    b.ok(&["sync"]);
    let head_b = local_head(&b);
    let synced = a.ok(&["sync"]);
    assert!(synced.contains(&format!("Received {head_b} entries")), "{synced}");
    assert!(a.ok(&["sync"]).contains("Received 0 entries"), "nothing twice");

    b.ok(&["in", "LT-0002"]);
    b.ok(&["sync"]);
    assert!(a.ok(&["sync"]).contains("Received 1 entries"));
    let status = a.ok(&["sync", "status"]);
    assert!(
        status.contains(&format!("Held from other desks: {} entries from 1 desks.", head_b + 1)),
        "{status}"
    );
    let verify = a.ok(&["verify"]);
    assert!(
        verify.contains(&format!(
            "Other desks' entries received through the server: {}",
            head_b + 1
        )),
        "{verify}"
    );
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn an_entry_changed_on_the_server_is_refused_by_the_desk_that_pulls_it() {
    let server = fresh_server("tamper");
    let a = Desk::with_basics(CUSTODY);
    a.ok(&["server", "init", "--url", &server]);
    let url_a = add_desk(&a, &server, "tamper-a");
    let url_b = add_desk(&a, &server, "tamper-b");
    a.ok(&["out", "LT-0001", "--to", "S001"]);
    a.ok(&["sync", "join", &url_a]);

    // The server's owner turns the guard off and rewrites who took the laptop.
    let mut owner = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    owner
        .batch_execute(
            "ALTER TABLE custody_entries DISABLE TRIGGER custody_entries_append_only;
             UPDATE custody_entries SET body = jsonb_set(body, '{person}', '\"S002\"') WHERE kind = 'sign-out';
             ALTER TABLE custody_entries ENABLE TRIGGER custody_entries_append_only;",
        )
        .unwrap();
    let b = Desk::new(CUSTODY);
    let refused = b.run(&["sync", "join", &url_b]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("was refused: its hash is not the hash of its contents"),
        "{refused:?}"
    );
    assert!(!b.db.exists(), "nothing from that pull was kept, not even the new file");
    assert_eq!(count_on_server(&server), local_head(&a));
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn a_desk_killed_in_the_middle_of_a_push_or_a_pull_loses_and_doubles_nothing() {
    let server = fresh_server("killed");
    let a = busy_desk();
    a.ok(&["server", "init", "--url", &server]);
    let url_a = add_desk(&a, &server, "killed-a");
    let url_b = add_desk(&a, &server, "killed-b");

    // B, made by joining the trust, registers a school's worth of items of its own in one import.
    a.ok(&["sync", "join", &url_a]);
    let mut b = joined_desk(&url_b, &a.now);
    registers_laptops(&mut b, 3000);

    // Killed while pushing: some batches are on the server; a sync goes on from there.
    let before = count_on_server(&server);
    kill_during(&b, &["sync"], std::time::Duration::from_millis(500));
    let partly = count_on_server(&server);
    b.ok(&["sync"]);
    let (head_a, head_b) = (local_head(&a), local_head(&b));
    assert_eq!(
        count_on_server(&server),
        head_a + head_b,
        "every entry once (the kill left {} of B's)",
        partly - before
    );

    // Killed while pulling: what was kept is whole; the next round fetches the rest.
    kill_during(&a, &["sync"], std::time::Duration::from_millis(300));
    a.ok(&["sync"]);
    let status = a.ok(&["sync", "status"]);
    assert!(
        status.contains(&format!("Held from other desks: {head_b} entries from 1 desks.")),
        "{status}"
    );
    assert!(status.contains("Waiting to be pushed: 0 entries."), "{status}");
    assert!(a.ok(&["verify"]).contains("Intact"));
    assert_eq!(count_on_server(&server), head_a + head_b);
    b.ok(&["sync"]);
    assert_no_duplicates(&server);
    assert_agree(&[&a, &b]);
}

/// The desk app syncs on a thread of its own: after an action, and says so; with the server gone
/// it says it is offline and how much waits, never "synced", and after days without a sync it
/// says that on every screen.
#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn the_desk_syncs_in_the_background_and_says_how_it_stands() {
    use custody::desk::DeskApp;
    use custody::sync::background::SyncState;
    use egui_kittest::kittest::Queryable;
    let server = fresh_server("desk");
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["server", "init", "--url", &server]);
    let url = add_desk(&desk, &server, "desk-a");
    desk.ok(&["sync", "join", &url]);

    let clock = custody_db::FixedClock::new(chrono::Utc::now());
    let mut ledger = custody_db::Ledger::open(&desk.db, clock.clone()).unwrap();
    ledger
        .operator_sign_in(
            custody_tests::OPERATOR,
            custody_tests::PASSWORD,
            custody_db::SignInAt::Desk,
        )
        .unwrap();
    let mut h = common::harness(DeskApp::new(ledger, clock.clone()));
    let ctx = h.ctx.clone();
    h.state_mut().start_sync(&ctx);
    common::step_until(&mut h, "the first round", |a| {
        matches!(a.sync_state, Some(SyncState::Synced { .. }))
    });
    h.get_by_label_contains("synced just now");

    // An action: the thread sends it soon, without the desk waiting.
    common::type_burst(&h, "LT-0001");
    h.run_steps(2);
    common::type_burst(&h, "S001");
    h.run_steps(2);
    h.key_press(egui::Key::Enter);
    common::step_until(
        &mut h,
        "the sign-out sent",
        |a| matches!(a.sync_state, Some(SyncState::Synced { sent, .. }) if sent > 0),
    );
    assert_eq!(count_on_server(&server), local_head(&desk));

    // The server gone: offline, with what waits.
    let credentials = desk.dir.path().join("custody.db.sync");
    let text = std::fs::read_to_string(&credentials).unwrap();
    let port = url.rsplit_once(':').unwrap().1.split('/').next().unwrap().to_string();
    std::fs::write(&credentials, text.replace(&format!(":{port}/"), ":9/")).unwrap();
    let mut killer = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    killer
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'custody_desk_desk_a'",
            &[],
        )
        .unwrap();
    clock.advance(chrono::Duration::seconds(5)); // the same label twice within 2 s counts once
    common::type_burst(&h, "LT-0001"); // signed back in: one more entry to send
    common::step_until(&mut h, "offline", |a| {
        matches!(a.sync_state, Some(SyncState::Offline { .. }))
    });
    h.get_by_label_contains("offline since");
    h.get_by_label_contains("records waiting");

    // Days later, still offline (the desk locked meanwhile): once signed in, every screen says so.
    clock.advance(chrono::Duration::days(4));
    h.run_steps(2);
    let app = h.state_mut();
    let again = app.ledger.operator_sign_in(
        custody_tests::OPERATOR,
        custody_tests::PASSWORD,
        custody_db::SignInAt::Desk,
    );
    app.signed_in(again);
    common::step_until(&mut h, "the warning", |a| a.sync_warning.is_some());
    h.get_by_label_contains("Not synced with the trust's server for 4 days");
}

/// The README's trust: two schools' desks and the DPO's machine on one server. The desks sign
/// the same laptop out while apart; once synced, every desk flags the conflict, the DPO's
/// exposure lookup lists what both desks recorded with the desk of each, and a manager's
/// correction settles it everywhere.
#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn two_desks_and_a_dpo_share_one_ledger_and_settle_a_conflict() {
    let server = fresh_server("trust");
    let north = Desk::with_basics(CUSTODY);
    north.add_operator("dpo", custody_db::Role::Dpo);
    north.ok(&["server", "init", "--url", &server]);
    let (north_url, south_url, dpo_url) = (
        add_desk(&north, &server, "trust-north"),
        add_desk(&north, &server, "trust-south"),
        add_desk(&north, &server, "trust-dpo"),
    );
    north.ok(&["sync", "join", &north_url]);
    let south = joined_desk(&south_url, "2026-11-20T11:30:00Z");
    let mut dpo = joined_desk(&dpo_url, "2026-11-20T18:00:00Z");
    dpo.act_as("dpo", "dpo-password");
    // The same people, the same register, at the new desk.
    assert!(south.ok(&["person", "list"]).contains("Sam Jones"));

    // Apart: north signs LT-0001 out to Sam at 10:00, south to Priya at 11:30, and LT-0002 to Sam.
    north.ok(&["out", "LT-0001", "--to", "S001"]);
    south.ok(&["out", "LT-0001", "--to", "S002"]);
    south.ok(&["out", "LT-0002", "--to", "S001"]);
    // Reconnected: each syncs (north twice, to hear south).
    for desk in [&north, &south, &north, &dpo] {
        desk.ok(&["sync"]);
    }
    let listed = dpo.ok(&["conflicts"]);
    assert!(
        listed.contains("1 item(s) in conflict") && listed.contains("LT-0001"),
        "{listed}"
    );
    assert!(
        north.ok(&["status"]).contains("trust-south"),
        "each row says which desk"
    );

    // The DPO after a theft from Sam's car that evening: what both desks recorded.
    let theft = dpo.ok(&["exposure", "--holder", "S001", "--at", "2026-11-20 17:00"]);
    assert!(theft.contains("LT-0001") && theft.contains("LT-0002"), "{theft}");
    assert!(
        theft.contains("trust-north") && theft.contains("trust-south"),
        "{theft}"
    );
    assert!(theft.contains("Desks disagree about LT-0001"), "{theft}");
    let south_only = dpo.ok(&[
        "exposure",
        "--holder",
        "S001",
        "--at",
        "2026-11-20 17:00",
        "--desk",
        "trust-south",
    ]);
    assert!(
        !south_only.contains("LT-0001") && south_only.contains("LT-0002"),
        "{south_only}"
    );
    let unknown = dpo.run(&["status", "--desk", "east"]);
    assert!(
        unknown.stderr.contains("No desk of this trust is called east"),
        "{unknown:?}"
    );

    // North's manager finds Sam never took LT-0001: void north's sign-out, sync everywhere.
    let csv = north.ok(&["conflicts", "--format", "csv"]);
    let line = csv.lines().find(|l| l.contains("trust-north")).unwrap();
    let id = line.rsplit(',').next().unwrap();
    north.ok(&["correct", id, "--reason", "Wrong label scanned"]);
    for desk in [&north, &south, &dpo] {
        desk.ok(&["sync"]);
    }
    for desk in [&north, &south, &dpo] {
        assert!(desk.ok(&["conflicts"]).contains("No conflicts"));
        assert_eq!(desk.run(&["verify"]).code, 0, "{:?}", desk.run(&["verify"]));
    }
    let states: Vec<String> = [&north, &south, &dpo]
        .iter()
        .map(|d| d.ok(&["status", "--format", "csv"]))
        .collect();
    assert!(states.windows(2).all(|w| w[0] == w[1]), "every desk agrees: {states:?}");
    let theft = dpo.ok(&["exposure", "--holder", "S001", "--at", "2026-11-20 17:00"]);
    assert!(!theft.contains("LT-0001") && theft.contains("LT-0002"), "{theft}");

    // The same answer from the server's views, for the DPO's reporting tools (the README's query).
    let mut client = postgres::Client::connect(&server, postgres::NoTls).unwrap();
    let held: Vec<(String, String)> = client
        .query(
            "SELECT item, desk FROM custody_periods WHERE holder = 'S001'
               AND held_from <= '2026-11-20 17:00+00' AND (held_until IS NULL OR held_until > '2026-11-20 17:00+00')",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(held, vec![("LT-0002".to_string(), "trust-south".to_string())]);
    let out_now: i64 = client
        .query_one("SELECT count(*) FROM custody_now", &[])
        .unwrap()
        .get(0);
    assert_eq!(out_now, 2, "LT-0001 with Priya, LT-0002 with Sam");

    // A theft ends the custody at the moment it happened, on the server as at the desk.
    dpo.ok(&[
        "stolen",
        "LT-0002",
        "--at",
        "2026-11-20 17:30",
        "--note",
        "Car broken into",
    ]);
    dpo.ok(&["sync"]);
    let ended: (Option<chrono::DateTime<chrono::Utc>>, String) = client
        .query_one(
            "SELECT held_until, ended_by FROM custody_periods WHERE holder = 'S001' AND item = 'LT-0002'
             ORDER BY held_from DESC LIMIT 1",
            &[],
        )
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(ended.1, "stolen");
    assert_eq!(
        ended.0.map(|t| t.to_rfc3339()),
        Some("2026-11-20T17:30:00+00:00".to_string()),
        "held until the theft, not still held"
    );
}

/// What a pull hands over, without a server: `from`'s entries after those `to` holds, applied.
fn hand_over(from: &custody_db::Ledger, to: &mut custody_db::Ledger) {
    let held = to.remote_heads().unwrap().get(from.desk_id()).copied().unwrap_or(0);
    to.receive(&custody_tests::as_served(from, held), None).unwrap();
}

/// An item two desks signed out apart is marked on Items and on Out now.
#[test]
fn the_desk_marks_an_item_in_conflict_on_items_and_out_now() {
    use custody::desk::{DeskApp, Screen};
    use custody_db::{Ledger, SignInAt, SignOut};
    use egui_kittest::kittest::Queryable;
    let (setup, app) = common::setup();
    let path = setup.dir.path().join("custody.db");
    let sign_in = |mut l: Ledger| {
        l.operator_sign_in("desk-test", common::DESK_PIN, SignInAt::CommandLine)
            .unwrap();
        l
    };
    let mut here = sign_in(Ledger::open(&path, setup.clock.clone()).unwrap());
    let other_dir = tempfile::tempdir().unwrap();
    let mut other = Ledger::create_to_join(&other_dir.path().join("custody.db"), setup.clock.clone()).unwrap();
    hand_over(&here, &mut other);
    let mut other = sign_in(other);
    let out = |to: &str| SignOut {
        items: vec!["LT-0001".into()],
        to: to.into(),
        ..SignOut::default()
    };
    here.sign_out(&out("S001")).unwrap();
    other.sign_out(&out("S002")).unwrap();
    hand_over(&other, &mut here);
    assert!(here.state("LT-0001").unwrap().conflict);

    let mut h = common::harness(app);
    h.state_mut().screen = Screen::Items;
    common::step_until(&mut h, "the list read again", |a: &DeskApp| {
        a.lists
            .items
            .value
            .as_ref()
            .is_some_and(|rows| rows.iter().any(|r| r.state.conflict))
    });
    h.get_by_label("conflict");
    h.state_mut().screen = Screen::OutNow;
    // Read in the background: wait for it (a loaded machine takes more than a few frames).
    common::step_until(&mut h, "what is out read", |a: &DeskApp| {
        a.lists
            .out_now
            .value
            .as_ref()
            .is_some_and(|rows| rows.iter().any(|r| r.conflict))
    });
    h.get_by_label("conflict");
}

/// A desk that was offline for three weeks while both it and the others went on working: it
/// says so, then one sync sends its weeks and brings the others', and the desks agree.
#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn a_desk_offline_for_weeks_catches_up() {
    let server = fresh_server("weeks");
    let mut north = Desk::with_basics(CUSTODY);
    north.ok(&["server", "init", "--url", &server]);
    let url_north = add_desk(&north, &server, "weeks-north");
    let url_south = add_desk(&north, &server, "weeks-south");
    north.ok(&["sync", "join", &url_north]);
    let mut south = joined_desk(&url_south, "2026-11-20T10:00:00Z");

    // Three weeks apart, a day at a time: north lends LT-0001, south lends LT-0002.
    for day in 0..21 {
        let at = |hour: u32| format!("2026-{}T{hour:02}:00:00Z", date_after("11-20", day));
        north.now = at(9);
        south.now = at(9);
        north.ok(&["out", "LT-0001", "--to", "S001"]);
        south.ok(&["out", "LT-0002", "--to", "S002"]);
        north.now = at(15);
        south.now = at(15);
        north.ok(&["in", "LT-0001"]);
        south.ok(&["in", "LT-0002"]);
        if day % 7 == 6 {
            north.ok(&["sync"]); // north keeps in touch; south does not
        }
    }
    let status = south.ok(&["sync", "status"]);
    assert!(
        status.contains("Not synced with the trust's server for 20 days"),
        "{status}"
    );
    assert!(status.contains("Waiting to be pushed: 42 entries"), "{status}");
    assert!(
        status.contains("Waiting to be received: 42 entries from other desks."),
        "{status}"
    );
    south.ok(&["sync"]);
    north.ok(&["sync"]);
    assert_eq!(count_on_server(&server), local_head(&north) + local_head(&south));
    assert_no_duplicates(&server);
    assert_agree(&[&north, &south]);
    let history = north.ok(&["history", "--item", "LT-0002", "--desk", "weeks-south"]);
    assert_eq!(history.matches("sign-out").count(), 21, "{history}");
}

/// "12-11" for `day` days after "11-20" in 2026 (month-day).
fn date_after(month_day: &str, day: i64) -> String {
    let start = chrono::NaiveDate::parse_from_str(&format!("2026-{month_day}"), "%Y-%m-%d").unwrap();
    (start + chrono::Duration::days(day)).format("%m-%d").to_string()
}

/// With `sslmode=require` the desk talks TLS and checks the server's certificate: refused when
/// nothing vouches for it, accepted when the URL names the trust's certificate (`sslrootcert`).
#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn a_desk_joins_over_tls_and_checks_the_servers_certificate() {
    let server = fresh_server("tls");
    let cluster = server_folder();
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["server", "init", "--url", &server]);
    let url = add_desk(&desk, &server, "tls-a");
    let unvouched = desk.run(&["sync", "join", &format!("{url}?sslmode=require")]);
    assert_eq!(unvouched.code, 1, "{unvouched:?}");
    assert!(unvouched.stderr.contains("certificate"), "{unvouched:?}");
    assert!(!desk.dir.path().join("custody.db.sync").exists());

    let tls = format!("{url}?sslmode=require&sslrootcert={cluster}/server.crt");
    let joined = desk.ok(&["sync", "join", &tls]);
    assert!(joined.contains("Joined"), "{joined}");
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    assert!(desk.ok(&["sync"]).contains("pushed 1 entries"));
    assert_eq!(count_on_server(&server), local_head(&desk));
}

/// The server holds the trust's root key, published by the founding desk: a desk made by joining
/// takes it and says it, for the DPO to check against paper; a database of another trust (its
/// own first administrator, its own root) is refused before it sends anything.
#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn the_server_holds_the_trusts_root_and_a_desk_of_another_trust_is_refused() {
    let server = fresh_server("rooted");
    let a = Desk::with_basics(CUSTODY);
    a.ok(&["server", "init", "--url", &server]);
    let url_a = add_desk(&a, &server, "rooted-a");
    let url_b = add_desk(&a, &server, "rooted-b");
    let url_c = add_desk(&a, &server, "rooted-c");
    a.ok(&["sync", "join", &url_a]);
    let verified = a.ok(&["verify"]);
    let root = verified
        .split("root key is ")
        .nth(1)
        .and_then(|rest| rest.split(" (").next())
        .unwrap_or_default()
        .to_string();
    assert!(root.starts_with("SHA256:"), "{verified}");
    let joined = joined_desk(&url_b, &a.now);
    let said = joined.ok(&["verify"]);
    assert!(said.contains(&root), "the joined desk holds to the same root: {said}");

    let other = Desk::with_basics(CUSTODY);
    let on_server = count_on_server(&server);
    let refused = other.run(&["sync", "join", &url_c]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("belongs to another trust") && refused.stderr.contains(&root),
        "{refused:?}"
    );
    assert_eq!(count_on_server(&server), on_server, "nothing was sent");
}

/// At a desk of a trust, a restore that would leave confirmed entries only in the kept file is
/// refused, naming them; forced, `sync status` counts them, `sync recover` brings them back as
/// new entries, and the desk syncs on.
#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn a_restore_strands_nothing_unseen_and_recover_brings_it_back() {
    let server = fresh_server("stranded");
    let a = Desk::with_basics(CUSTODY);
    a.ok(&["server", "init", "--url", &server]);
    let url = add_desk(&a, &server, "stranded-a");
    a.ok(&["sync", "join", &url]);
    let backup = a.dir.path().join("backup.db");
    a.ok(&["backup", "-o", backup.to_str().unwrap()]);
    a.ok(&["out", "LT-0001", "--to", "S001"]);

    let before = a.dump();
    let refused = a.run(&["restore", backup.to_str().unwrap()]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("would drop 1 confirmed entries") && refused.stderr.contains("(sign-out LT-0001)"),
        "{refused:?}"
    );
    assert_eq!(a.dump(), before, "nothing was changed");

    let forced = a.ok(&["restore", backup.to_str().unwrap(), "--force"]);
    let kept = forced
        .lines()
        .find_map(|l| l.strip_prefix("The file it replaced is kept as "))
        .and_then(|l| l.strip_suffix('.'))
        .unwrap()
        .to_string();
    assert!(
        forced.contains("1 confirmed entries exist only in the file a restore kept aside"),
        "{forced}"
    );
    let status = a.ok(&["sync", "status"]);
    assert!(status.contains(&format!("custody sync recover {kept}")), "{status}");

    let recovered = a.ok(&["sync", "recover", &kept]);
    assert!(recovered.contains("Recovered 1 entries"), "{recovered}");
    assert!(!a.ok(&["sync", "status"]).contains("kept aside"));
    a.ok(&["sync"]);
    assert_eq!(
        count_on_server(&server),
        local_head(&a),
        "the recovered entry reached the server"
    );
    let history = a.ok(&["history", "--item", "LT-0001"]);
    assert!(history.contains("recovered from"), "{history}");
    assert!(a.ok(&["verify"]).contains("Intact"));
}
