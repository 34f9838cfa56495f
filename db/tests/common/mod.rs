//! Helpers shared by the ledger's tests: a ledger in a temporary folder with a fixed clock, and a
//! dump of every table to prove that a refused request wrote nothing.

#![allow(dead_code, unused_imports, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use custody_db::{FixedClock, HomeWorking, Item, ItemKind, Ledger, SignOut};

pub struct TestDb {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub clock: Arc<FixedClock>,
    pub ledger: Ledger,
}

/// When [`setup`] registers its items and people.
pub const REGISTERED_AT: &str = "2026-09-01T07:00:00Z";

pub fn t(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
}

/// Signs `tag` out to `to` at `at`, due back at `due` (RFC 3339), warnings acknowledged.
pub fn out_due(db: &mut TestDb, tag: &str, to: &str, at: &str, due: &str) {
    sign_out_due(db, out(&[tag], to), at, due);
}

/// Makes `request` at `at`, due back at `due` (RFC 3339), warnings acknowledged.
pub fn sign_out_due(db: &mut TestDb, request: SignOut, at: &str, due: &str) {
    db.ledger
        .sign_out(&SignOut {
            at: Some(t(at)),
            due: Some(t(due)),
            acknowledge_warnings: true,
            ..request
        })
        .unwrap();
}

/// A sign-out request of `items` to `to`, everything else by default.
pub fn out(items: &[&str], to: &str) -> SignOut {
    SignOut {
        items: items.iter().map(|s| s.to_string()).collect(),
        to: to.to_string(),
        ..SignOut::default()
    }
}

/// A home-working record with everything current on 2026-11-20.
pub fn in_order() -> HomeWorking {
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    HomeWorking {
        agreement_signed: Some(day("2026-01-10")),
        agreement_review: Some(day("2027-01-10")),
        assessment_done: Some(day("2026-02-01")),
        assessment_review: Some(day("2027-02-01")),
        assessment_ref: Some("RA-118".into()),
        training: Some(day("2026-03-15")),
    }
}

/// The password of the administrator `office` that [`sign_in_admin`] makes.
pub const ADMIN_PASSWORD: &str = "office-password";

/// Makes the administrator `office` (with hashing cheap enough for tests) on a database with no
/// operators yet, and signs them in.
pub fn sign_in_admin(ledger: &mut Ledger) {
    ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    ledger.add_first_admin("office", "Office", ADMIN_PASSWORD).unwrap();
}

/// The ledger, signed in as an administrator: the first one made now if it has no operators
/// (a file from before operators), else `office` of [`setup`] or the demo's `admin`.
pub fn signed_in(mut ledger: Ledger) -> Ledger {
    use custody_db::SignInAt::CommandLine;
    ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    if !ledger.has_operators().unwrap() {
        sign_in_admin(&mut ledger);
    } else if ledger.operator_sign_in("office", ADMIN_PASSWORD, CommandLine).is_err() {
        ledger
            .operator_sign_in("admin", custody_db::demo::DEMO_PASSWORD, CommandLine)
            .unwrap();
    }
    ledger
}

/// A new database at `path` filled with demo data (operators hashed cheaply), signed in as its
/// administrator.
pub fn demo(path: &std::path::Path, clock: Arc<FixedClock>, options: &custody_db::demo::DemoOptions) -> Ledger {
    let mut ledger = Ledger::create(path, Some("Demo Academy Trust"), clock).unwrap();
    ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    custody_db::demo::fill(&mut ledger, options).unwrap();
    signed_in(ledger)
}

/// A new database at Friday 2026-11-20 10:00 UTC with laptops LT-0001..3, a paper file PF-0001,
/// a memory stick RM-0001, people S001 (Sam Jones) and S002 (Priya Patel) with their home-working
/// records in order, and inactive S003, all registered at the start of term (1 September), so
/// that the tests may record events at any moment since.
pub fn setup() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custody.db");
    let clock = FixedClock::new(REGISTERED_AT.parse().unwrap());
    let mut ledger = Ledger::create(&path, Some("Hillside School"), clock.clone()).unwrap();
    sign_in_admin(&mut ledger);
    for n in 1..=3 {
        let mut item = Item::new(&format!("LT-000{n}"), ItemKind::Laptop, "Dell Latitude 5440");
        item.encrypted = true;
        item.data_subjects = 30;
        ledger.add_item(&item).unwrap();
    }
    ledger
        .add_item(&Item::new("PF-0001", ItemKind::PaperFile, "Pupil file ref 2024-118"))
        .unwrap();
    ledger
        .add_item(&Item::new("RM-0001", ItemKind::RemovableMedia, "USB stick"))
        .unwrap();
    ledger.add_person("S001", "Sam Jones", Some("sam@example.org")).unwrap();
    ledger.add_person("S002", "Priya Patel", None).unwrap();
    // Priya is also the office manager, an operator: she may authorise paper's removal (R1).
    ledger
        .add_operator("S002", "Priya Patel", custody_db::Role::Manager, "priya-pin-1")
        .unwrap();
    for id in ["S001", "S002"] {
        ledger.update_home_working(id, &in_order()).unwrap();
    }
    ledger.add_person("S003", "Tom Left", None).unwrap();
    ledger.set_person_active("S003", false).unwrap();
    clock.set(t("2026-11-20T10:00:00Z"));
    TestDb {
        dir,
        path,
        clock,
        ledger,
    }
}

pub use custody_tests::{as_served, dump};

/// Runs `register` with the clock at the start of term ([`REGISTERED_AT`]), then puts the clock
/// back: for a test that registers more and then records events from before today.
pub fn registered_earlier<T>(db: &mut TestDb, register: impl FnOnce(&mut Ledger) -> T) -> T {
    let now = db.ledger.now();
    db.clock.set(t(REGISTERED_AT));
    let done = register(&mut db.ledger);
    db.clock.set(now);
    done
}

/// A second desk of `first`'s trust, made by joining: a new file that takes `first`'s root key
/// and receives its entries (its register, operators and settings), then signed in as
/// `first`'s administrator.
pub fn joined(first: &Ledger) -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custody.db");
    let clock = FixedClock::new(t("2026-11-20T10:00:00Z"));
    let mut ledger = Ledger::create_to_join(&path, clock.clone()).unwrap();
    ledger.pin_root_key(&first.root_key().unwrap().unwrap()).unwrap();
    pull(&mut ledger, first);
    ledger
        .operator_sign_in("office", ADMIN_PASSWORD, custody_db::SignInAt::CommandLine)
        .unwrap();
    TestDb {
        dir,
        path,
        clock,
        ledger,
    }
}

/// Hands `to` what `from` recorded since `to` last heard from it, and applies it: a pull.
pub fn pull(to: &mut Ledger, from: &Ledger) -> custody_db::Applied {
    let held = to.remote_heads().unwrap().get(from.desk_id()).copied().unwrap_or(0);
    to.receive(&as_served(from, held), None).unwrap()
}

/// What the overdue report as of `at` lists, late or due soon: (item, holder, due), sorted.
pub fn overdue_listed(ledger: &Ledger, at: chrono::DateTime<chrono::Utc>) -> Vec<(String, String, i64)> {
    let report = ledger.overdue(at).unwrap();
    let late = report.overdue.iter().flat_map(|h| {
        h.items
            .iter()
            .map(|i| (i.item.tag.clone(), h.person.id.clone(), i.due_at))
    });
    let soon = report
        .due_soon
        .iter()
        .map(|(p, i)| (i.item.tag.clone(), p.id.clone(), i.due_at));
    let mut listed: Vec<_> = late.chain(soon).collect();
    listed.sort();
    listed
}

/// What the overdue report as of `at` should list, worked out the slow way: each item's state
/// then, replayed alone.
pub fn overdue_by_state(
    ledger: &Ledger,
    tags: &[String],
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<(String, String, i64)> {
    let mut expected = Vec::new();
    for tag in tags {
        let state = ledger.state_at(tag, at).unwrap();
        if let (custody_db::Status::Out, Some(holder), Some(due)) = (state.status, state.holder, state.due_at) {
            let soon = due - custody_db::time::to_millis(at) <= chrono::Duration::days(7).num_milliseconds();
            if custody_db::is_late(Some(due), at) || soon {
                expected.push((tag.clone(), holder, due));
            }
        }
    }
    expected.sort();
    expected
}
