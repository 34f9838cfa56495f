//! CSV imports: the templates, a Snipe-IT export, dry runs, and every kind of bad file stopping
//! the import at its line with nothing written.

#![allow(clippy::unwrap_used)]

mod common;

use common::{dump, setup};
use custody_db::ItemKind;

#[test]
fn items_from_the_template() {
    let mut db = setup();
    let csv = "tag,kind,name,serial,encrypted,data_subjects,categories,special_category,notes\n\
               lt-0100,laptop,Dell Latitude 5440,ABC123,yes,120,\"contact,health\",yes,spare\n\
               PF-0100,paper-file,SEN review pack ref 2026-4411,,,12,,,\n\
               \n";
    let report = db.ledger.import_items(csv.as_bytes(), false, false).unwrap();
    assert_eq!(report.format, "Custody items template");
    assert_eq!(report.added, vec!["LT-0100", "PF-0100"]);
    assert_eq!(report.ignored_columns, vec!["notes"]);
    let laptop = db.ledger.item("LT-0100").unwrap();
    assert!(laptop.encrypted && laptop.special_category);
    assert_eq!(laptop.data_categories, vec!["contact", "health"]);
    assert_eq!(laptop.data_subjects, 120);
    assert_eq!(db.ledger.item("PF-0100").unwrap().kind, ItemKind::PaperFile);
}

#[test]
fn a_dry_run_reports_and_writes_nothing() {
    let mut db = setup();
    let before = dump(&db.path);
    let report = db
        .ledger
        .import_items(b"tag,kind,name\nCB-0500,chromebook,Acer 314\n", true, false)
        .unwrap();
    assert!(report.dry_run);
    assert_eq!(report.added, vec!["CB-0500"]);
    assert_eq!(dump(&db.path), before);
}

#[test]
fn a_snipe_it_asset_export_imports() {
    let mut db = setup();
    let csv = "\u{feff}Asset Tag,Item Name,Serial,Category,Model,Status,Location\n\
               A-0001,Staff laptop 1,5CG1234,Laptops,HP ProBook 440,Ready to Deploy,Main office\n\
               A-0002,Pupil CB 17,NXHKA,Chromebooks,Acer 314,Deployed,Room 4\n\
               A-0003,Trip phone,R58M,Mobile Phones,Galaxy A15,Ready to Deploy,Office\n\
               A-0004,Backup stick,,USB Memory,SanDisk 32GB,Archived,Safe\n";
    let report = db.ledger.import_items(csv.as_bytes(), false, false).unwrap();
    assert_eq!(report.format, "Snipe-IT asset export");
    assert_eq!(report.rows, 4);
    assert_eq!(report.ignored_columns, vec!["model", "status", "location"]);
    let kinds: Vec<ItemKind> = ["A-0001", "A-0002", "A-0003", "A-0004"]
        .iter()
        .map(|t| db.ledger.item(t).unwrap().kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            ItemKind::Laptop,
            ItemKind::Chromebook,
            ItemKind::Phone,
            ItemKind::RemovableMedia
        ]
    );
    assert_eq!(db.ledger.item("A-0001").unwrap().serial.as_deref(), Some("5CG1234"));
}

#[test]
fn people_from_the_template() {
    let mut db = setup();
    let csv = "id,name,email,active,agreement_signed,agreement_review,training\n\
               T-0100,Ann Teacher,ann@example.org,yes,2026-01-05,2027-01-05,2026-02-01\n\
               T-0101,Ben Left,,no,,,\n";
    let report = db.ledger.import_people(csv.as_bytes(), false).unwrap();
    assert_eq!(report.added, vec!["T-0100", "T-0101"]);
    let ann = db.ledger.person("t-0100").unwrap();
    assert_eq!(ann.home.training.unwrap().to_string(), "2026-02-01");
    assert!(!db.ledger.person("T-0101").unwrap().active);
}

/// Each bad file stops the import with its line and reason, and nothing is written.
#[test]
fn bad_files_stop_the_import_and_write_nothing() {
    let mut db = setup();
    let items: &[(&str, &[u8], &str)] = &[
        (
            "unknown kind",
            b"tag,kind,name\nX-1,laptop,ok\nX-2,usb-stick,Stick\n",
            "Line 3: \"usb-stick\" is not a kind of item",
        ),
        (
            "duplicate in file",
            b"tag,kind,name\nX-1,laptop,a\nx-1,laptop,b\n",
            "Line 3: the tag X-1 appears twice in the file",
        ),
        (
            "duplicate in database",
            b"tag,kind,name\nLT-0001,laptop,a\n",
            "Line 2: there is already an item tagged LT-0001",
        ),
        (
            "missing column",
            b"tag,name\nX-1,a\n",
            "Line 1: the header has no kind column (expected \"kind\")",
        ),
        (
            "semicolons",
            b"tag;kind;name\nX-1;laptop;a\n",
            "separated by semicolons, not commas",
        ),
        (
            "latin-1",
            b"tag,kind,name\nX-1,laptop,Caf\xe9 laptop\n",
            "Line 2: the file is not UTF-8",
        ),
        (
            "short row",
            b"tag,kind,name\nX-1,laptop\n",
            "Line 2: it has 2 cells where the header has 3",
        ),
        (
            "bad yes/no",
            b"tag,kind,name,encrypted\nX-1,laptop,a,maybe\n",
            "Line 2: encrypted is \"maybe\"; use yes or no",
        ),
        (
            "bad number",
            b"tag,kind,name,data_subjects\nX-1,laptop,a,lots\n",
            "Line 2: data_subjects \"lots\" is not a whole number",
        ),
        (
            "bad tag",
            b"tag,kind,name\nX 1,laptop,a\n",
            "Line 2: \"X 1\" is not a valid item tag",
        ),
        (
            "empty name",
            b"tag,kind,name\nX-1,laptop,\n",
            "Line 2: The item name is not acceptable: it is empty",
        ),
        ("empty file", b"", "Line 1: the file is empty"),
        (
            "the same column twice",
            b"tag,kind,name,encrypted,Encrypted\nX-1,laptop,a,yes,no\n",
            "Line 1: the header names the same column twice (\"encrypted\" and \"Encrypted\")",
        ),
        (
            "an unterminated quote",
            b"tag,kind,name\nX-1,laptop,ok\nX-2,laptop,\"Dell Latitude\n",
            "Line 3: a quoted cell starts here and never ends",
        ),
    ];
    for (name, csv, words) in items {
        let before = dump(&db.path);
        let msg = db.ledger.import_items(csv, false, false).unwrap_err().to_string();
        assert!(msg.contains(words), "{name}: {msg:?} should contain {words:?}");
        assert!(
            msg.ends_with("Nothing was imported; correct the file and try again."),
            "{name}: {msg}"
        );
        assert_eq!(dump(&db.path), before, "{name}: nothing may be written");
    }
    let people: &[(&str, &[u8], &str)] = &[
        (
            "bad date",
            b"id,name,training\nT-1,Ann,01/02/2026\n",
            "Line 2: training \"01/02/2026\" is not a date; use YYYY-MM-DD",
        ),
        (
            "future training",
            b"id,name,training\nT-1,Ann,2030-01-01\n",
            "Line 2: The home-working record is not acceptable",
        ),
        (
            "missing name column",
            b"id,email\nT-1,a@b.c\n",
            "the header has no name column",
        ),
        (
            "duplicate",
            b"id,name\nS001,Sam Again\n",
            "Line 2: there is already a person with id S001",
        ),
    ];
    for (name, csv, words) in people {
        let before = dump(&db.path);
        let msg = db.ledger.import_people(csv, false).unwrap_err().to_string();
        assert!(msg.contains(words), "{name}: {msg:?} should contain {words:?}");
        assert_eq!(dump(&db.path), before, "{name}: nothing may be written");
    }
}

mod fuzzed {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Any bytes at all: the import never panics, and either succeeds or changes nothing.
        #[test]
        fn arbitrary_bytes_never_panic_or_half_import(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut db = setup();
            let before = dump(&db.path);
            if db.ledger.import_items(&bytes, false, false).is_err() {
                prop_assert_eq!(dump(&db.path), before);
            }
        }

        /// Plausible CSV with random cells: the same promise.
        #[test]
        fn csv_like_input_never_panics_or_half_imports(
            rows in proptest::collection::vec(("[A-Z]{1,3}-[0-9]{1,3}", "(laptop|tablet|usb|paper-file|)", "[ -~]{0,12}", "(yes|no|maybe|)"), 0..12)
        ) {
            let mut csv = String::from("tag,kind,name,encrypted\n");
            for (tag, kind, name, encrypted) in &rows {
                csv.push_str(&format!("{tag},{kind},\"{}\",{encrypted}\n", name.replace('"', "\"\"")));
            }
            let mut db = setup();
            let before = dump(&db.path);
            let items_before = db.ledger.items().unwrap().len();
            match db.ledger.import_items(csv.as_bytes(), false, false) {
                Ok(report) => prop_assert_eq!(db.ledger.items().unwrap().len(), items_before + report.rows),
                Err(_) => prop_assert_eq!(dump(&db.path), before),
            }
        }
    }
}
