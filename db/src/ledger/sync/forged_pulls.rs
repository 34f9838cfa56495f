//! What a pull refuses: entries whose signature is blanked, copied, missing, made by an operator
//! with no right to it, or of a chain signed under a root of its own (someone with a desk's join
//! URL pushing what they made themselves). Each is refused with the desk and entry named, and
//! nothing of the pull is kept. No server is needed: one desk's entries are handed to another
//! as a server would return them.

#![allow(clippy::unwrap_used)]

use custody_tests::dump;

use super::RemoteEntry;
use crate::calendar::Nation;
use crate::error::Error;
use crate::ledger::{Ledger, SignInAt};
use crate::operator::{Hashing, Role, Session};
use crate::record::{Record, RecordKind};
use crate::time::FixedClock;

const BOSS: &str = "boss-pin-1";

/// `from`'s chain after `after`, as the server hands it over (`custody_tests::as_served`, for
/// this crate's own types).
fn as_served(from: &Ledger, after: i64) -> Vec<RemoteEntry> {
    let mut signatures = from.signatures_between(after, i64::MAX).unwrap();
    from.entries_after(after, 100_000)
        .unwrap()
        .into_iter()
        .map(|e| RemoteEntry {
            desk: from.desk_id().to_string(),
            seq: e.seq(),
            id: e.id(),
            entry: e.table().to_string(),
            kind: e.kind_name().to_string(),
            body: e.to_json().to_string(),
            prev_hash: e.prev_hash().to_vec(),
            hash: e.hash().to_vec(),
            signature: signatures.remove(&e.seq()),
        })
        .collect()
}

struct Trust {
    _dir: tempfile::TempDir,
    a: Ledger,
    b: Ledger,
    b_path: std::path::PathBuf,
    clock: std::sync::Arc<FixedClock>,
}

/// Desk `a`, its first administrator `boss` (the trust's root), and desk `b`, made by joining.
fn trust() -> Trust {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new("2026-11-20T10:00:00Z".parse().unwrap());
    let mut a = Ledger::create(&dir.path().join("a.db"), None, clock.clone()).unwrap();
    a.use_hashing(Hashing::cheap_for_tests());
    a.add_first_admin("boss", "Boss", BOSS).unwrap();
    a.add_operator("clerk", "Clerk", Role::Operator, "clerk-pin-1").unwrap();
    a.add_operator("mgr", "Manager", Role::Manager, "mgr-pin-1").unwrap();
    let b_path = dir.path().join("b.db");
    let mut b = Ledger::create_to_join(&b_path, clock.clone()).unwrap();
    b.pin_root_key(&a.root_key().unwrap().unwrap()).unwrap();
    b.receive(&as_served(&a, 0), None).unwrap();
    b.operator_sign_in("boss", BOSS, SignInAt::CommandLine).unwrap();
    Trust {
        _dir: dir,
        a,
        b,
        b_path,
        clock,
    }
}

impl Trust {
    fn held(&self) -> i64 {
        self.b.remote_heads().unwrap()[self.a.desk_id()]
    }

    /// What `a` recorded since `b` last heard from it, spoiled by `spoil`, handed to `b`: the
    /// refusal, after checking that nothing was kept.
    fn refused(&mut self, spoil: impl FnOnce(&mut Vec<RemoteEntry>)) -> Error {
        let mut served = as_served(&self.a, self.held());
        spoil(&mut served);
        let before = dump(&self.b_path);
        let refused = self.b.receive(&served, None).unwrap_err();
        assert_eq!(dump(&self.b_path), before, "nothing of the pull is kept: {refused}");
        assert!(
            matches!(&refused, Error::RemoteEntryRefused { desk, .. } if desk == self.a.desk_id()),
            "{refused}"
        );
        refused
    }

    /// `a` records as `who`, with their key, although they had no right to.
    fn as_them(&mut self, who: &Session, work: impl FnOnce(&mut Ledger)) {
        let own = self.a.signer.clone();
        self.a.signer.clone_from(&who.signer);
        self.a
            .as_itself(&who.id.clone(), |l| {
                work(l);
                Ok(())
            })
            .unwrap();
        self.a.signer = own;
    }
}

#[test]
fn a_good_pull_is_kept_with_its_signatures_and_verified() {
    let mut t = trust();
    t.a.put_setting("calendar.nation", "scotland").unwrap();
    let served = as_served(&t.a, t.held());
    assert!(served.iter().all(|e| e.signature.is_some()));
    t.b.receive(&served, None).unwrap();
    let report = t.b.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
}

#[test]
fn a_signature_blanked_copied_or_missing_is_refused() {
    let mut t = trust();
    t.a.put_setting("calendar.nation", "scotland").unwrap();
    t.a.put_setting("calendar.nation", "wales").unwrap();
    let last_is = |e: &Error, what: &str| {
        let said = e.to_string();
        assert!(
            said.contains("setting-changed calendar.nation") && said.contains(what),
            "{said}"
        );
    };
    let blanked = t.refused(|s| s.last_mut().unwrap().signature = Some(vec![0; 64]));
    last_is(&blanked, "its signature is not its author's");
    let copied = t.refused(|s| {
        let other = s[0].signature.clone();
        s.last_mut().unwrap().signature = other;
    });
    last_is(&copied, "its signature is not its author's");
    let missing = t.refused(|s| s.last_mut().unwrap().signature = None);
    last_is(&missing, "its signature is missing");
    let short = t.refused(|s| s.last_mut().unwrap().signature = Some(vec![1; 10]));
    assert!(short.to_string().contains("not an Ed25519 signature"), "{short}");
}

#[test]
fn an_entry_signed_by_an_operator_disabled_then_is_refused() {
    let mut t = trust();
    let clerk =
        t.a.operator_sign_in("clerk", "clerk-pin-1", SignInAt::CommandLine)
            .unwrap();
    t.a.operator_sign_in("boss", BOSS, SignInAt::CommandLine).unwrap();
    t.a.set_operator_active("clerk", false).unwrap();
    t.as_them(&clerk, |l| l.put_setting("calendar.nation", "scotland").unwrap());
    let refused = t.refused(|_| {});
    assert!(
        refused.to_string().contains("clerk, who was disabled then"),
        "{refused}"
    );
}

#[test]
fn a_role_change_signed_by_a_manager_is_refused() {
    let mut t = trust();
    let mgr = t.a.operator_sign_in("mgr", "mgr-pin-1", SignInAt::CommandLine).unwrap();
    t.a.operator_sign_in("boss", BOSS, SignInAt::CommandLine).unwrap();
    t.as_them(&mgr, |l| drop(l.set_operator_role("mgr", Role::Admin).unwrap()));
    let refused = t.refused(|_| {});
    assert!(
        refused.to_string().contains("operator-changed mgr") && refused.to_string().contains("not an administrator"),
        "{refused}"
    );
}

/// An auditor's key signs their own sign-ins and a verification, and nothing else: a setting
/// changed with it (someone who has the auditor's password and a changed program) is refused.
#[test]
fn anything_but_an_auditors_comings_and_goings_signed_with_their_key_is_refused() {
    let mut t = trust();
    t.a.add_operator("inspector", "Inspector", Role::Auditor, "inspector-pin-1")
        .unwrap();
    let inspector =
        t.a.operator_sign_in("inspector", "inspector-pin-1", SignInAt::Desk)
            .unwrap();
    let found = t.a.verify().unwrap();
    assert!(t.a.record_verification(&found).unwrap());
    let served = as_served(&t.a, t.held());
    t.b.receive(&served, None).unwrap();
    assert!(
        t.b.verify().unwrap().is_intact(),
        "their sign-in and verification are theirs to sign"
    );

    t.a.operator_sign_in("boss", BOSS, SignInAt::CommandLine).unwrap();
    t.as_them(&inspector, |l| l.put_setting("calendar.nation", "wales").unwrap());
    let refused = t.refused(|_| {});
    assert!(refused.to_string().contains("an auditor changes nothing"), "{refused}");
    // Their own desk's verify says the same of its chain.
    let report = t.a.verify().unwrap();
    assert!(
        report
            .signature_problem
            .as_deref()
            .is_some_and(|p| p.contains("an auditor changes nothing")),
        "{report:?}"
    );
}

/// A sign-in record that names a role (an auditor's own, signed with their key, or a wrong
/// password's, which nobody signs): refused, and the role it names counts for nothing.
#[test]
fn a_sign_in_record_that_makes_its_operator_an_administrator_is_refused() {
    for kind in [RecordKind::OperatorSignedIn, RecordKind::OperatorSignInFailed] {
        let mut t = trust();
        t.a.add_operator("inspector", "Inspector", Role::Auditor, "inspector-pin-1")
            .unwrap();
        let inspector =
            t.a.operator_sign_in("inspector", "inspector-pin-1", SignInAt::CommandLine)
                .unwrap();
        t.as_them(&inspector, |l| {
            let mut fields = serde_json::Map::new();
            fields.insert("role".into(), "admin".into());
            fields.insert("failed_attempts".into(), 0.into());
            let now = crate::time::to_millis(l.now());
            let mut w = l.writer().unwrap();
            w.append_record(Record::draft(kind, "inspector", &fields, now)).unwrap();
            w.commit().unwrap();
        });
        let refused = t.refused(|_| {});
        assert!(
            refused
                .to_string()
                .contains("sets role, which only an administrator's change"),
            "{kind:?}: {refused}"
        );
        assert!(!t.a.verify().unwrap().is_intact(), "{kind:?}: verify names it too");
        // And the desk that holds it does not take the role from it.
        let on_record = t.a.operator_on_record("inspector").unwrap().unwrap();
        assert_eq!(on_record.operator.role, Role::Auditor, "{kind:?}");
    }
}

/// A sealed key edited on its record, the entry's hash made again to match: the signature no
/// longer covers it.
#[test]
fn a_sealed_key_edited_is_refused() {
    let mut t = trust();
    t.a.reset_operator_password("clerk", "clerk-pin-2").unwrap();
    let refused = t.refused(|served| {
        let last = served.last_mut().unwrap();
        let mut record: Record = serde_json::from_str(&last.body).unwrap();
        let mut fields = record.fields();
        let sealed = fields["sealed_key"].as_str().unwrap().to_string();
        let edited = format!(
            "{}{}",
            &sealed[..sealed.len() - 2],
            if sealed.ends_with("00") { "01" } else { "00" }
        );
        fields.insert("sealed_key".into(), edited.into());
        record.body = serde_json::Value::Object(fields).to_string();
        record.hash = record.compute_hash();
        last.body = serde_json::to_string(&record).unwrap();
        last.hash = record.hash.to_vec();
    });
    assert!(
        refused.to_string().contains("operator-changed clerk") && refused.to_string().contains("not its author's"),
        "{refused}"
    );
}

/// Someone with desk `b`'s join URL and a file of their own, under a root of their own: their
/// chain is well formed and every entry signed, but not under the trust's root.
#[test]
fn a_chain_signed_under_another_root_is_refused() {
    let mut t = trust();
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new("2026-11-20T10:00:00Z".parse().unwrap());
    let mut mallory = Ledger::create(&dir.path().join("m.db"), None, clock).unwrap();
    mallory.use_hashing(Hashing::cheap_for_tests());
    mallory.add_first_admin("boss", "Boss", "mallory-pin").unwrap();
    mallory.put_setting("rule.R2", "warn").unwrap();
    let before = dump(&t.b_path);
    let refused = t.b.receive(&as_served(&mallory, 0), None).unwrap_err();
    assert_eq!(dump(&t.b_path), before);
    assert!(
        refused.to_string().contains("a root key of its own") && refused.to_string().contains(mallory.desk_id()),
        "{refused}"
    );
}

/// An unsigned record appended to the desk's chain with a valid chain hash (as someone with a
/// desk's join URL could push it): refused, its signature missing.
#[test]
fn a_record_forged_onto_a_desks_chain_is_refused() {
    let mut t = trust();
    t.a.put_setting("calendar.nation", "scotland").unwrap();
    let now = crate::time::to_millis(t.a.now());
    let refused = t.refused(|served| {
        let last = served.last().unwrap().clone();
        let fields = serde_json::json!({"name": "Mallory", "role": "admin", "active": true, "password": "x"});
        let mut forged = Record::draft(RecordKind::OperatorAdded, "mallory", fields.as_object().unwrap(), 0);
        forged.seq = last.seq + 1;
        forged.id = uuid::Uuid::now_v7();
        forged.desk = last.desk.clone();
        forged.operator = "boss".into();
        forged.recorded_at = now;
        forged.prev_hash = last.hash.clone().try_into().unwrap();
        forged.hash = forged.compute_hash();
        served.push(RemoteEntry {
            desk: last.desk,
            seq: forged.seq,
            id: forged.id,
            entry: "record".into(),
            kind: forged.kind.as_str().into(),
            body: serde_json::to_string(&forged).unwrap(),
            prev_hash: forged.prev_hash.to_vec(),
            hash: forged.hash.to_vec(),
            signature: None,
        });
    });
    assert!(
        refused.to_string().contains("operator-added mallory") && refused.to_string().contains("signature is missing"),
        "{refused}"
    );
}

/// A desk's own records so far count before what follows in its chain, whenever they were
/// recorded: demo data recorded after the first administrator carries its history's dates, and
/// a pull of it in two batches keeps both.
#[test]
fn a_chain_received_in_batches_keeps_its_own_keys_between_them() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new("2026-11-20T10:00:00Z".parse().unwrap());
    let mut a = Ledger::create(&dir.path().join("a.db"), None, clock.clone()).unwrap();
    a.use_hashing(Hashing::cheap_for_tests());
    a.add_first_admin("boss", "Boss", BOSS).unwrap();
    let options = crate::demo::DemoOptions {
        items: 30,
        people: 10,
        days: 30,
        seed: 7,
    };
    crate::demo::fill(&mut a, &options).unwrap();
    let mut b = Ledger::create_to_join(&dir.path().join("b.db"), clock).unwrap();
    b.pin_root_key(&a.root_key().unwrap().unwrap()).unwrap();
    let served = as_served(&a, 0);
    let (first, second) = served.split_at(served.len() / 2);
    b.receive(first, None).unwrap();
    b.receive(second, None).unwrap();
}

/// A signature kept with another desk's entry, copied over another in this file (the guards
/// taken off and put back): `verify` checks the kept signatures as the pull did, and names it.
#[test]
fn a_kept_signature_edited_in_the_file_is_named_by_verify() {
    let mut t = trust();
    t.a.put_setting("calendar.nation", "scotland").unwrap();
    t.b.receive(&as_served(&t.a, t.held()), None).unwrap();
    assert!(t.b.verify().unwrap().is_intact());
    let conn = rusqlite::Connection::open(&t.b_path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER remote_signatures_are_never_updated;
         UPDATE remote_signatures SET signature = (SELECT signature FROM remote_signatures ORDER BY seq LIMIT 1)
          WHERE seq = (SELECT max(seq) FROM remote_signatures);",
    )
    .unwrap();
    drop(conn);
    let report = t.b.verify().unwrap();
    assert!(
        report.remote_problems.iter().any(|p| p.contains(t.a.desk_id())
            && p.contains("setting-changed calendar.nation")
            && p.contains("not its author's")),
        "{report:?}"
    );
}

/// A change made at one desk that takes a right away (an operator disabled, a role lowered, a
/// new password and key) reaches another desk only when it pulls, perhaps days later: what the
/// operator did there meanwhile, as that desk rightly allowed, is kept by a pull of either
/// chain and called intact by both desks' verify, and named in its report. Once the desk has
/// pulled the change, it no longer lets them.
#[test]
fn what_a_desk_did_before_hearing_of_another_desks_change_is_kept_and_named() {
    let mut t = trust();
    t.a.add_operator("mgr2", "Manager Two", Role::Manager, "mgr2-pin-1")
        .unwrap();
    t.b.receive(&as_served(&t.a, t.held()), None).unwrap();
    // At a, at 10:00, the manager is disabled, the second made an auditor, the boss's password
    // reset (a new key).
    t.a.operator_sign_in("boss", BOSS, SignInAt::CommandLine).unwrap();
    t.a.set_operator_active("mgr", false).unwrap();
    t.a.set_operator_role("mgr2", Role::Auditor).unwrap();
    t.a.reset_operator_password("boss", "boss-pin-2").unwrap();
    // At b, a minute and then an hour later, not having heard: each signs in and acts as before.
    let b_desk = t.b.desk_id().to_string();
    for (minutes, who, secret, nation) in [
        (1, "mgr", "mgr-pin-1", Nation::Scotland),
        (60, "mgr2", "mgr2-pin-1", Nation::NorthernIreland),
        (1, "boss", BOSS, Nation::EnglandWales),
    ] {
        t.clock.advance(chrono::Duration::minutes(minutes));
        t.b.operator_sign_in(who, secret, SignInAt::CommandLine).unwrap();
        t.b.set_nation(nation).unwrap();
    }

    // a pulls b's chain, and b pulls a's: both kept.
    let held_at_a = t.a.remote_heads().unwrap().get(&b_desk).copied().unwrap_or(0);
    t.a.receive(&as_served(&t.b, held_at_a), None).unwrap();
    t.b.receive(&as_served(&t.a, t.held()), None).unwrap();
    for (desk, report) in [
        ("this desk", t.b.verify().unwrap()),
        (b_desk.as_str(), t.a.verify().unwrap()),
    ] {
        assert!(report.is_intact(), "{report:?}");
        let said = report.signed_before_hearing.join("\n");
        assert!(
            said.contains(desk) && said.contains("3 entries") && said.contains("mgr, who was disabled then"),
            "{said}"
        );
    }
    // The verification on the record keeps what it said.
    let report = t.b.verify().unwrap();
    assert!(t.b.record_verification(&report).unwrap());
    let kept: String = rusqlite::Connection::open(&t.b_path)
        .unwrap()
        .query_row(
            "SELECT body FROM records WHERE kind = 'ledger-verified' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        kept.contains("signed_before_hearing") && kept.contains("mgr, who was disabled then"),
        "{kept}"
    );
    // Having heard, b refuses them.
    let refused =
        t.b.operator_sign_in("mgr", "mgr-pin-1", SignInAt::CommandLine)
            .unwrap_err();
    assert!(matches!(refused, Error::OperatorDisabled { .. }), "{refused}");
    t.b.operator_sign_in("mgr2", "mgr2-pin-1", SignInAt::CommandLine)
        .unwrap();
    let refused = t.b.set_nation(Nation::Scotland).unwrap_err();
    assert!(matches!(refused, Error::RoleRefused { .. }), "{refused}");
    t.b.operator_sign_in("boss", "boss-pin-2", SignInAt::CommandLine)
        .unwrap();
    t.b.set_nation(Nation::Scotland).unwrap();
    assert!(t.b.verify().unwrap().is_intact());
}

/// An administrator disabled at one desk who, before another desk has heard, adds an operator
/// there: refused by every pull and by `verify`, for a change to operators is never taken on
/// trust (otherwise anyone with a disabled administrator's key and another desk's file could
/// make themselves an administrator of the whole trust).
#[test]
fn a_change_to_operators_by_an_administrator_disabled_elsewhere_is_refused() {
    let mut t = trust();
    t.a.add_operator("boss2", "Second Boss", Role::Admin, "boss2-pin-1")
        .unwrap();
    t.b.receive(&as_served(&t.a, t.held()), None).unwrap();
    t.a.set_operator_active("boss2", false).unwrap();
    t.clock.advance(chrono::Duration::minutes(1));
    t.b.operator_sign_in("boss2", "boss2-pin-1", SignInAt::CommandLine)
        .unwrap();
    t.b.add_operator("eve", "Eve", Role::Admin, "eve-pin-1").unwrap();
    let b_desk = t.b.desk_id().to_string();
    let held_at_a = t.a.remote_heads().unwrap().get(&b_desk).copied().unwrap_or(0);
    let refused = t.a.receive(&as_served(&t.b, held_at_a), None).unwrap_err();
    assert!(
        refused.to_string().contains("operator-added eve")
            && refused.to_string().contains("boss2, who was disabled then"),
        "{refused}"
    );
    t.b.receive(&as_served(&t.a, t.held()), None).unwrap();
    t.b.operator_sign_in("boss", BOSS, SignInAt::CommandLine).unwrap();
    let report = t.b.verify().unwrap();
    assert!(
        report
            .signature_problem
            .as_deref()
            .is_some_and(|p| p.contains("operator-added eve")),
        "{report:?}"
    );
}

/// Two administrators reset one operator's password at two desks within minutes (one desk's
/// clock a little ahead): each desk goes on with the key it issued, and neither desk's chain is
/// refused.
#[test]
fn passwords_reset_at_two_desks_at_once_stop_neither_desk() {
    let mut t = trust();
    t.a.operator_sign_in("boss", BOSS, SignInAt::CommandLine).unwrap();
    t.clock.advance(chrono::Duration::minutes(2));
    t.a.reset_operator_password("mgr", "mgr-pin-a").unwrap();
    t.clock.advance(chrono::Duration::minutes(-2));
    t.b.reset_operator_password("mgr", "mgr-pin-b").unwrap();
    t.clock.advance(chrono::Duration::minutes(3));
    t.b.operator_sign_in("mgr", "mgr-pin-b", SignInAt::CommandLine).unwrap();
    t.b.set_nation(Nation::Scotland).unwrap();
    let b_desk = t.b.desk_id().to_string();
    let held_at_a = t.a.remote_heads().unwrap().get(&b_desk).copied().unwrap_or(0);
    t.a.receive(&as_served(&t.b, held_at_a), None).unwrap();
    t.b.receive(&as_served(&t.a, t.held()), None).unwrap();
    t.b.operator_sign_in("boss", BOSS, SignInAt::CommandLine).unwrap();
    for report in [t.a.verify().unwrap(), t.b.verify().unwrap()] {
        assert!(report.is_intact(), "{report:?}");
    }
}
