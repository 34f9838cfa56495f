//! The power-cut harness (see ARCHITECTURE.md): a writer process whose SQLite runs over
//! [`vfs`], which logs every file operation; killed at a random moment or at a chosen sync; then
//! [`disk`] builds what a disk would hold after a power cut from that [`log`], and the harness
//! checks that every record the writer acknowledged is there and the files are sound.

pub mod disk;
pub mod log;
pub mod vfs;

use custody_db::{Item, ItemKind, Ledger};

/// The register every round writes over: laptops and Chromebooks, and three people.
pub fn register(ledger: &mut Ledger) -> custody_db::Result<()> {
    for n in 0..24 {
        let kind = if n % 2 == 0 {
            ItemKind::Laptop
        } else {
            ItemKind::Chromebook
        };
        ledger.add_item(&Item::new(&format!("PC-{n:04}"), kind, "Office device"))?;
    }
    for (id, name) in [("S001", "Sam Jones"), ("S002", "Priya Patel"), ("S003", "Tom Hill")] {
        ledger.add_person(id, name, None)?;
    }
    Ok(())
}
