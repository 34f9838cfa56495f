//! Moving in: Snipe-IT's people and check-outs, a paper signing-out book, and the templates.
//! The files here have Snipe-IT's own headers (from its `sample_csvs/`) with rows of our own.

#![allow(clippy::unwrap_used)]

mod common;

use common::{dump, setup, t};
use custody_db::import::{Template, template};
use custody_db::{EventKind, Status};

/// The header of Snipe-IT's sample users export, `sample_csvs/users-sample.csv`.
const USERS_HEADER: &str = "First Name,Last Name,Email,Username,Display Name,Activated,Location,Address,City,State,Country,Postal Code,Website,Phone,Job Title,Notes,Employee Number,Company,Manager,Remote,VIP,Start Date,End Date,Gravatar";

fn users_row(
    first: &str,
    last: &str,
    email: &str,
    username: &str,
    activated: &str,
    employee: &str,
    end: &str,
) -> String {
    format!(
        "{first},{last},{email},{username},,{activated},Main site,1 High St,,,,,,,Teacher,,{employee},,,FALSE,,2024-09-01,{end},"
    )
}

fn users_export() -> String {
    let rows = [
        users_row("Reagen", "Tenant", "rtenant0@example.org", "rtenant0", "TRUE", "", ""),
        users_row(
            "Kenneth",
            "Lefeuvre",
            "klefeuvre1@example.org",
            "klefeuvre1",
            "FALSE",
            "",
            "",
        ),
        users_row("Juan", "", "", "jlowseley9", "TRUE", "", ""),
        users_row("Marti", "Daens", "mdaensq@example.org", "m_daens", "TRUE", "E-1042", ""),
        users_row(
            "Imogen",
            "Hamill",
            "ihamill27@example.org",
            "ihamill27",
            "TRUE",
            "",
            "2025-07-18",
        ),
    ];
    format!("\u{feff}{USERS_HEADER}\n{}\n", rows.join("\n"))
}

#[test]
fn a_snipe_it_users_export_imports_as_people() {
    let mut db = setup();
    let report = db.ledger.import_people(users_export().as_bytes(), true).unwrap();
    assert_eq!(report.format, "Snipe-IT users export");
    assert_eq!(
        report.added,
        ["RTENANT0", "KLEFEUVRE1", "JLOWSELEY9", "E-1042", "IHAMILL27"]
    );
    assert!(
        report
            .mappings
            .contains(&"username jlowseley9 → id JLOWSELEY9".to_string()),
        "{:?}",
        report.mappings
    );
    assert!(report.used_columns.contains(&"employee_number".to_string()));
    assert!(report.ignored_columns.contains(&"job_title".to_string()));
    db.ledger.import_people(users_export().as_bytes(), false).unwrap();
    let person = |id: &str| db.ledger.person(id).unwrap();
    assert_eq!(person("JLOWSELEY9").name, "Juan");
    assert_eq!(person("E-1042").email.as_deref(), Some("mdaensq@example.org"));
    assert!(person("RTENANT0").active);
    assert!(!person("KLEFEUVRE1").active, "Activated FALSE");
    assert!(!person("IHAMILL27").active, "an end date in the past");
}

/// Snipe-IT's sample asset export's header (`sample_csvs/assets-sample.csv`), with the dates of a
/// check-out its exports carry.
const ASSETS_HEADER: &str = "Company,Name,Asset Tag,Category,Supplier,Manufacturer,Location,Order Number,Model,Model Notes,Model Number,Asset Notes,Purchase Date,Purchase Cost,Checkout Type,Checked Out To: Username,Checked Out To: First Name,Checked Out To: Last Name,Checked Out To: Email,Checked Out To: Location,Last Checkout,Expected Checkin";

fn asset_row(tag: &str, name: &str, category: &str, checkout: &str) -> String {
    format!("Hillside,{name},{tag},{category},Acme,Dell,Office,1001,Latitude,,5440,,2023-01-23,700.00,{checkout}")
}

fn assets_export() -> String {
    let rows = [
        asset_row(
            "A-0001",
            "Staff laptop 1",
            "Laptops",
            "User,rtenant0,Reagen,Tenant,rtenant0@example.org,,2026-09-01,2026-11-13",
        ),
        asset_row(
            "A-0002",
            "Staff laptop 2",
            "Laptops",
            "User,mdaens,Marti,Daens,MDAENSQ@example.org,,2026-10-05 08:30,",
        ),
        asset_row("A-0003", "Trolley CB 1", "Chromebooks", "Location,,,,,Room 4,,"),
        asset_row("A-0004", "Spare laptop", "Laptops", ",,,,,,,"),
        asset_row(
            "A-0005",
            "Head's laptop",
            "Laptops",
            "User,jnew,Jo,New,jo.new@example.org,,2026-11-02,",
        ),
        asset_row(
            "A-0006",
            "Old laptop",
            "Laptops",
            "User,klefeuvre1,Kenneth,Lefeuvre,,,2025-03-01,",
        ),
    ];
    format!("{ASSETS_HEADER}\n{}\n", rows.join("\n"))
}

#[test]
fn snipe_it_check_outs_become_who_holds_what() {
    let mut db = setup();
    db.ledger.import_people(users_export().as_bytes(), false).unwrap();
    let before = dump(&db.path);
    let dry = db.ledger.import_items(assets_export().as_bytes(), true, false).unwrap();
    assert_eq!(dump(&db.path), before, "a dry run writes nothing");
    assert_eq!(dry.custody_events, 4);
    assert_eq!(dry.people_added, ["JNEW Jo New (line 6)"]);
    assert_eq!(dry.not_imported.len(), 1);
    assert!(
        dry.not_imported[0].contains("line 4: A-0003 is checked out to the location Room 4"),
        "{:?}",
        dry.not_imported
    );
    assert!(
        dry.mappings.contains(&"category Chromebooks → chromebook".to_string()),
        "{:?}",
        dry.mappings
    );

    let report = db
        .ledger
        .import_items(assets_export().as_bytes(), false, false)
        .unwrap();
    assert_eq!(report.custody_events, 4);
    let state = |tag: &str| db.ledger.state(tag).unwrap();
    // Matched by username, by email (the employee number is this person's id), added, inactive.
    assert_eq!(state("A-0001").holder.as_deref(), Some("RTENANT0"));
    assert_eq!(
        state("A-0001").since,
        Some(t("2026-09-01T00:00:00+01:00").timestamp_millis())
    );
    assert_eq!(state("A-0002").holder.as_deref(), Some("E-1042"));
    assert_eq!(state("A-0002").due_at, None, "no expected check-in: no due date");
    assert_eq!(state("A-0005").holder.as_deref(), Some("JNEW"));
    assert_eq!(
        db.ledger.person("JNEW").unwrap().email.as_deref(),
        Some("jo.new@example.org")
    );
    assert_eq!(
        state("A-0006").holder.as_deref(),
        Some("KLEFEUVRE1"),
        "someone who left may still hold it"
    );
    assert_eq!(state("A-0003").status, Status::In);
    assert_eq!(state("A-0004").status, Status::In);
    let events = db.ledger.item_events("A-0001").unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, EventKind::SignOut);
    assert_eq!(events[0].note.as_deref(), Some(custody_db::import::OPENING_NOTE));
    assert_eq!(events[0].recorded_at, t("2026-11-20T10:00:00Z").timestamp_millis());
    // The first overdue report is right on day one: only A-0001 was due (13 November).
    let overdue = db.ledger.overdue(t("2026-11-20T10:00:00Z")).unwrap();
    let tags: Vec<&str> = overdue
        .overdue
        .iter()
        .flat_map(|h| h.items.iter().map(|i| i.item.tag.as_str()))
        .collect();
    assert_eq!(tags, ["A-0001"]);
    assert!(db.ledger.verify().unwrap().is_intact());
}

#[test]
fn no_new_people_refuses_and_names_them() {
    let mut db = setup();
    db.ledger.import_people(users_export().as_bytes(), false).unwrap();
    let before = dump(&db.path);
    let err = db
        .ledger
        .import_items(assets_export().as_bytes(), false, true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Line 6") && err.contains("jnew (line 6)"), "{err}");
    assert_eq!(dump(&db.path), before);
}

/// A bad file is refused at its line, and nothing is written.
fn refused(db: &mut common::TestDb, csv: &[u8], people: bool, words: &[&str]) {
    let before = dump(&db.path);
    let err = if people {
        db.ledger.import_people(csv, false)
    } else {
        db.ledger.import_items(csv, false, false)
    }
    .unwrap_err()
    .to_string();
    for w in words {
        assert!(err.contains(w), "{err:?} should contain {w:?}");
    }
    assert_eq!(dump(&db.path), before, "{err}");
}

#[test]
fn bad_moving_in_files_are_refused_at_their_line() {
    let mut db = setup();
    let twice = format!(
        "{USERS_HEADER}\n{}\n{}\n",
        users_row("A", "One", "", "same", "TRUE", "", ""),
        users_row("B", "Two", "", "SAME", "TRUE", "", "")
    );
    refused(
        &mut db,
        twice.as_bytes(),
        true,
        &["Line 3", "the username SAME is also on line 2"],
    );
    // One asset checked out to a user nobody knows by name, back to front, in a US date.
    let assets: [(&str, &[&str]); 3] = [
        (
            "User,ghost,,,,,2026-09-01,",
            &["Line 2", "ghost", "not among the people"],
        ),
        (
            "User,jo,Jo,Doe,,,2026-09-10,2026-09-01",
            &["Line 2", "expected_checkin", "is not after the check-out"],
        ),
        ("User,jo,Jo,Doe,,,9/14/26,", &["Line 2", "last_checkout", "9/14/26"]),
    ];
    for (checkout, words) in assets {
        let csv = format!(
            "{ASSETS_HEADER}\n{}\n",
            asset_row("A-0100", "Laptop", "Laptops", checkout)
        );
        refused(&mut db, csv.as_bytes(), false, words);
    }
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(users_export().encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    refused(&mut db, &utf16, true, &["Line 1", "UTF-16", "CSV UTF-8"]);
}

/// A term's paper book, typed in: two returned on time, one late, one still out (overdue), one
/// still out (not due yet).
const BOOK: &str = "tag,person,out_at,due_at,reason,authoriser,in_at
LT-0001,S001,07/09/2026 08:40,11/09/2026,Marking at home,,11/09/2026 08:15
PF-0001,S002,2026-10-01,2026-10-02,Annual review meeting,S001,2026-10-02
LT-0001,S002,14/09/2026 09:00,18/09/2026,,,25/09/2026 16:00
LT-0002,S001,02/11/2026 08:00,13/11/2026,Parents' evening,,
LT-0003,S002,19/11/2026 15:00,27/11/2026,,,
";

#[test]
fn a_paper_book_of_a_term_imports_in_time_order() {
    let mut db = setup();
    let report = db.ledger.import_custody(BOOK.as_bytes(), false).unwrap();
    assert_eq!(report.rows, 5);
    assert_eq!(report.custody_events, 8);
    let history: Vec<(EventKind, i64)> = db
        .ledger
        .item_events("LT-0001")
        .unwrap()
        .iter()
        .map(|e| (e.kind, e.occurred_at))
        .collect();
    assert_eq!(
        history,
        [
            (EventKind::SignOut, t("2026-09-07T08:40:00+01:00").timestamp_millis()),
            (EventKind::SignIn, t("2026-09-11T08:15:00+01:00").timestamp_millis()),
            (EventKind::SignOut, t("2026-09-14T09:00:00+01:00").timestamp_millis()),
            (EventKind::SignIn, t("2026-09-25T16:00:00+01:00").timestamp_millis()),
        ]
    );
    let pf = db.ledger.item_events("PF-0001").unwrap();
    assert_eq!(pf[0].authoriser.as_deref(), Some("S001"));
    assert_eq!(pf[0].note.as_deref(), Some(custody_db::import::BOOK_NOTE));
    let overdue = db.ledger.overdue(t("2026-11-20T10:00:00Z")).unwrap();
    let tags: Vec<&str> = overdue
        .overdue
        .iter()
        .flat_map(|h| h.items.iter().map(|i| i.item.tag.as_str()))
        .collect();
    assert_eq!(tags, ["LT-0002"]);
    assert_eq!(overdue.due_soon.len(), 0, "LT-0003 is due on the 27th, a week away");
    assert_eq!(db.ledger.state("LT-0003").unwrap().holder.as_deref(), Some("S002"));
    assert!(db.ledger.verify().unwrap().is_intact());
}

#[test]
fn a_book_row_the_rules_refuse_names_its_line_and_nothing_is_written() {
    let mut db = setup();
    let before = dump(&db.path);
    let cases = [
        (
            "tag,person,out_at\nLT-0001,S001,01/10/2026\nLT-0001,S002,02/10/2026\n",
            ["Line 3", "LT-0001 is already out"],
        ),
        (
            "tag,person,out_at\nLT-0001,S001,01/10/2026\nLT-0002,S999,02/10/2026\n",
            ["Line 3", "S999"],
        ),
        (
            "tag,person,out_at,in_at\nLT-0001,S001,01/10/2026,30/09/2026\n",
            ["Line 2", "in_at"],
        ),
        ("tag,person,out_at\nLT-0001,S001,next tuesday\n", ["Line 2", "out_at"]),
    ];
    for (csv, words) in cases {
        let err = db.ledger.import_custody(csv.as_bytes(), false).unwrap_err().to_string();
        for w in words {
            assert!(err.contains(w), "{err:?} should contain {w:?}");
        }
        assert_eq!(dump(&db.path), before, "{err}");
    }
}

#[test]
fn each_template_imports_empty_and_its_example_imports_once_uncommented() {
    let mut db = setup();
    for which in [Template::Items, Template::People, Template::Custody] {
        let text = template(which);
        let empty = match which {
            Template::Items => db.ledger.import_items(text.as_bytes(), true, false),
            Template::People => db.ledger.import_people(text.as_bytes(), true),
            Template::Custody => db.ledger.import_custody(text.as_bytes(), true),
        }
        .unwrap();
        assert_eq!(empty.rows, 0, "{which:?}");
    }
    let uncomment = |w| template(w).replace("\n# ", "\n");
    db.ledger
        .import_items(uncomment(Template::Items).as_bytes(), false, false)
        .unwrap();
    let people = uncomment(Template::People).replace("S001,Sam Jones", "S010,Sam Jonas");
    db.ledger.import_people(people.as_bytes(), false).unwrap();
    let book = uncomment(Template::Custody).replace("S010", "S002");
    let report = db.ledger.import_custody(book.as_bytes(), false).unwrap();
    assert_eq!(report.custody_events, 2);
    assert_eq!(db.ledger.item("LT-0042").unwrap().name, "Dell Latitude 5440");
}
