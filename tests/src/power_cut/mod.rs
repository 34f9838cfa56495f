//! The power-cut harness (see ARCHITECTURE.md): a writer process whose SQLite runs over
//! [`vfs`], which logs every file operation; killed at a random moment or at a chosen sync; then
//! [`disk`] builds what a disk would hold after a power cut from that [`log`], and the harness
//! checks that every record the writer acknowledged is there and the files are sound.

pub mod disk;
pub mod log;
pub mod vfs;
