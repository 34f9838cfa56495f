//! Big reads (50,000 items, every person, everything out) run on a thread with their own
//! connection and come back over a channel, so a frame never waits for the database.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use custody_db::Ledger;

use crate::context::Context;

/// What a reader thread sends back: the list (or why not), and when it started reading.
type Reading<T> = (Result<T, String>, chrono::DateTime<chrono::Utc>);

/// A list read in the background. The last value stays on show while a newer one loads.
#[derive(Debug)]
pub struct Loaded<T> {
    pub value: Option<Arc<T>>,
    pub error: Option<String>,
    /// Counts the values read so far: what depends on the value keys on it.
    pub reads: u64,
    /// When the value on show was read.
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What the value (or the pending read) was read for.
    version: Option<u64>,
    pending: Option<Receiver<Reading<T>>>,
}

impl<T> Default for Loaded<T> {
    fn default() -> Self {
        Loaded {
            value: None,
            error: None,
            reads: 0,
            read_at: None,
            version: None,
            pending: None,
        }
    }
}

impl<T: Send + 'static> Loaded<T> {
    /// Starts a read if the value was read for another `version` (the desk's change counter,
    /// or anything else the read depends on, hashed), and takes a finished one.
    pub fn keep_fresh(
        &mut self,
        version: u64,
        source: &Context,
        ctx: &egui::Context,
        read: impl FnOnce(&Ledger) -> Result<T, String> + Send + 'static,
    ) {
        self.poll();
        if self.version == Some(version) {
            return;
        }
        self.version = Some(version);
        let (tx, rx) = channel();
        let (source, ctx) = (source.clone(), ctx.clone());
        let spawned = std::thread::Builder::new().name("loader".into()).spawn(move || {
            let started = source.clock.now();
            let result = source
                .open_reader()
                .map_err(|e| e.to_string())
                .and_then(|ledger| read(&ledger));
            let _ = tx.send((result, started));
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
            Ok((Ok(value), at)) => {
                self.value = Some(Arc::new(value));
                self.reads += 1;
                self.read_at = Some(at);
                self.error = None;
                self.pending = None;
            }
            Ok((Err(e), _)) => {
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

    /// Forgets the value, so the next `keep_fresh` reads again.
    pub fn clear(&mut self) {
        *self = Loaded::default();
    }

    pub fn is_loading(&self) -> bool {
        self.pending.is_some()
    }
}

/// Runs a job that writes something (a PDF, a breach pack) on a thread with its own
/// connection; the message it ends with comes back through `Task::take`.
#[derive(Debug, Default)]
pub struct Task {
    pending: Option<Receiver<Result<String, String>>>,
}

impl Task {
    pub fn start(
        &mut self,
        source: &Context,
        ctx: &egui::Context,
        job: impl FnOnce(&Ledger) -> Result<String, String> + Send + 'static,
    ) {
        let (tx, rx) = channel();
        let (source, ctx) = (source.clone(), ctx.clone());
        std::thread::spawn(move || {
            let result = source
                .open_reader()
                .map_err(|e| e.to_string())
                .and_then(|ledger| job(&ledger));
            let _ = tx.send(result);
            ctx.request_repaint();
        });
        self.pending = Some(rx);
    }

    /// The job's message once it has finished.
    pub fn take(&mut self) -> Option<Result<String, String>> {
        let result = self.pending.as_ref()?.try_recv().ok()?;
        self.pending = None;
        Some(result)
    }

    pub fn is_running(&self) -> bool {
        self.pending.is_some()
    }
}
