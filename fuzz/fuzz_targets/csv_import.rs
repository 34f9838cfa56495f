//! The CSV importer takes files from other systems: it must never panic, and a refused file
//! must leave the database as it was.
#![no_main]

use std::sync::{Arc, OnceLock};

use custody_db::{Ledger, SystemClock};
use libfuzzer_sys::fuzz_target;

fn folder() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary folder"))
}

fuzz_target!(|data: &[u8]| {
    let path = folder().path().join("fuzz.db");
    custody_db::storage::remove_database_files(&path);
    let mut ledger = Ledger::create(&path, None, Arc::new(SystemClock)).expect("a new database");
    let before = ledger.items().expect("items").len();
    if ledger.import_items(data, false).is_err() {
        assert_eq!(ledger.items().expect("items").len(), before);
    }
});
