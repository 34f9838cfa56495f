//! Big reads (50,000 items, every person, everything out) run on a thread with their own
//! connection and come back over a channel, so a frame never waits for the database.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use custody_db::{Clock, Ledger};

/// How a background thread opens the same database.
#[derive(Clone)]
pub struct Source {
    pub path: PathBuf,
    pub clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Source({})", self.path.display())
    }
}

/// A list read in the background. The last value stays on show while a newer one loads.
#[derive(Debug)]
pub struct Loaded<T> {
    pub value: Option<Arc<T>>,
    pub error: Option<String>,
    /// The desk's change counter the value (or the pending read) reflects.
    version: Option<u64>,
    pending: Option<Receiver<Result<T, String>>>,
}

impl<T> Default for Loaded<T> {
    fn default() -> Self {
        Loaded {
            value: None,
            error: None,
            version: None,
            pending: None,
        }
    }
}

impl<T: Send + 'static> Loaded<T> {
    /// Starts a read if the value is older than `version`, and takes a finished one.
    pub fn keep_fresh(
        &mut self,
        version: u64,
        source: &Source,
        ctx: &egui::Context,
        read: fn(&Ledger) -> custody_db::Result<T>,
    ) {
        self.poll();
        if self.version == Some(version) {
            return;
        }
        self.version = Some(version);
        let (tx, rx) = channel();
        let (source, ctx) = (source.clone(), ctx.clone());
        let spawned = std::thread::Builder::new().name("loader".into()).spawn(move || {
            let result = Ledger::open(&source.path, source.clock)
                .and_then(|ledger| read(&ledger))
                .map_err(|e| e.to_string());
            let _ = tx.send(result);
            ctx.request_repaint();
        });
        match spawned {
            Ok(_) => self.pending = Some(rx),
            Err(e) => self.error = Some(format!("Could not start reading: {e}")),
        }
    }

    fn poll(&mut self) {
        let Some(rx) = &self.pending else { return };
        match rx.try_recv() {
            Ok(Ok(value)) => {
                self.value = Some(Arc::new(value));
                self.error = None;
                self.pending = None;
            }
            Ok(Err(e)) => {
                self.error = Some(e);
                self.pending = None;
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => {}
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.error = Some("Reading the list stopped unexpectedly.".to_string());
                self.pending = None;
            }
        }
    }

    pub fn is_loading(&self) -> bool {
        self.pending.is_some()
    }
}
