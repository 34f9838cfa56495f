//! Nothing confirmed is silently dropped by a restore: at a desk of a trust, a restore that would
//! leave entries the server lacks only in the kept file is refused unless forced, naming them;
//! after a forced one the desk says how many, and recovering brings them back as new entries.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ADMIN_PASSWORD, out, setup};
use custody_db::{Error, Ledger, SignInAt, Status};

#[test]
fn a_restore_that_would_strand_entries_is_refused_then_forced_then_recovered() {
    let mut db = setup();
    let backup = db.dir.path().join("backup.db");
    db.ledger.backup_to(&backup).unwrap();
    let (server_has, _) = db.ledger.head().unwrap(); // the server had everything up to the backup
    db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    db.ledger.sign_out(&out(&["LT-0002"], "S002")).unwrap();
    db.ledger.add_person("S004", "Ana Newton", None).unwrap();
    let (head, _) = db.ledger.head().unwrap();
    let by = db.ledger.session().cloned().unwrap();
    let path = db.path.clone();
    drop(db.ledger);

    let before = common::dump(&path);
    let refused =
        custody_db::restore(&path, &backup, false, Some(server_has), db.clock.clone(), Some(&by)).unwrap_err();
    assert!(
        matches!(refused, Error::RestoreWouldDrop { count, .. } if count == head - server_has),
        "{refused}"
    );
    assert!(refused.to_string().contains("(sign-out LT-0001)"), "{refused}");
    assert_eq!(common::dump(&path), before, "nothing was changed");

    // Forced: the restored file notes what is left only in the kept file.
    let restored = custody_db::restore(&path, &backup, true, Some(server_has), db.clock.clone(), Some(&by)).unwrap();
    let stranded = restored.stranded.clone().unwrap();
    assert_eq!(stranded.count(), head - server_has);
    let mut ledger = Ledger::open(&path, db.clock.clone()).unwrap();
    ledger
        .operator_sign_in("office", ADMIN_PASSWORD, SignInAt::CommandLine)
        .unwrap();
    assert_eq!(ledger.stranded().unwrap(), Some(stranded.clone()));
    assert_eq!(ledger.state("LT-0001").unwrap().status, Status::In);

    // Another database put where the kept file was (another desk's, under its own root) is
    // not recovered from.
    let kept = restored.kept_aside.clone().unwrap();
    let real = db.dir.path().join("real-kept.db");
    std::fs::rename(&kept, &real).unwrap();
    let other = setup();
    other.ledger.backup_to(&kept).unwrap();
    let before = common::dump(&path);
    let refused = ledger.recover(&kept).unwrap_err();
    assert!(matches!(refused, Error::NotTheKeptFile { .. }), "{refused}");
    assert_eq!(common::dump(&path), before);
    std::fs::remove_file(&kept).unwrap();
    std::fs::rename(&real, &kept).unwrap();

    // Meanwhile LT-0002 went out to someone else: its stranded sign-out cannot happen again.
    ledger.sign_out(&out(&["LT-0002"], "S001")).unwrap();
    let recovered = ledger.recover(&kept).unwrap();
    assert_eq!(recovered.recovered, 2, "{recovered:?}");
    assert_eq!(recovered.left.len(), 1, "{recovered:?}");
    assert!(recovered.left[0].contains("sign-out LT-0002"), "{recovered:?}");
    let state = ledger.state("LT-0001").unwrap();
    assert_eq!((state.status, state.holder.as_deref()), (Status::Out, Some("S001")));
    assert_eq!(ledger.person("S004").unwrap().name, "Ana Newton");
    assert_eq!(ledger.stranded().unwrap(), None, "nothing left aside any more");
    let report = ledger.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    let again = ledger.recover(&stranded.kept).unwrap_err();
    assert!(matches!(again, Error::NothingStranded), "{again}");
}

#[test]
fn a_restore_drops_nothing_the_server_holds() {
    let mut db = setup();
    let backup = db.dir.path().join("backup.db");
    db.ledger.backup_to(&backup).unwrap();
    db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    let (server_has, _) = db.ledger.head().unwrap();
    let by = db.ledger.session().cloned().unwrap();
    let path = db.path.clone();
    drop(db.ledger);
    let restored = custody_db::restore(&path, &backup, false, Some(server_has), db.clock.clone(), Some(&by)).unwrap();
    assert!(restored.stranded.is_none());
}
