//! Keeps the facts stored with the log up to date as the service appends
//! ([`crate::stored_facts::refresh`]), on a thread of its own with a connection of its own, so
//! an append never waits for it: the refresh reads in a read transaction, then holds the write
//! lock only to store the new facts.

use crate::stored_facts::{self, Refreshed, REFRESH_MIN_TAIL};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use store::{JourneyStore, StoreError};

/// Opens a connection to the store for writing.
pub type OpenStore = dyn Fn() -> Result<Box<dyn JourneyStore + Send>, StoreError> + Send + Sync;

/// What the last refresh did (for tests and logs).
pub type LastRefresh = Option<Result<Refreshed, String>>;

pub(crate) struct FactsKeeper {
    pub(crate) open: Arc<OpenStore>,
    /// Events appended since the last look.
    appended: AtomicU64,
    running: Mutex<Option<JoinHandle<()>>>,
    last: Arc<Mutex<LastRefresh>>,
}

impl FactsKeeper {
    pub(crate) fn new(open: Arc<OpenStore>) -> Self {
        FactsKeeper {
            open,
            appended: AtomicU64::new(0),
            running: Mutex::new(None),
            last: Arc::new(Mutex::new(None)),
        }
    }

    /// After `n` events were appended to a log of `events`: looks when enough have been since
    /// the last look (the refresh then decides, [`stored_facts::refresh_due`]).
    pub(crate) fn appended(&self, n: u64, events: u64) {
        let since = self.appended.fetch_add(n, Ordering::AcqRel) + n;
        if since >= REFRESH_MIN_TAIL.max(events / 16) {
            self.look();
        }
    }

    /// Starts a refresh unless one is under way.
    pub(crate) fn look(&self) {
        let mut running = self.running.lock().expect("not poisoned");
        if running.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        if let Some(done) = running.take() {
            let _ = done.join();
        }
        self.appended.store(0, Ordering::Release);
        let (open, last) = (self.open.clone(), self.last.clone());
        *running = Some(std::thread::spawn(move || {
            let result = open()
                .and_then(|mut s| stored_facts::refresh(s.as_mut(), false))
                .map_err(|e| e.to_string());
            if let Err(e) = &result {
                // Nothing is lost: readers fold what was stored after the facts last kept.
                tracing::warn!(error = %e, "the store's kept facts were not refreshed");
            }
            *last.lock().expect("not poisoned") = Some(result);
        }));
    }

    /// Waits for a refresh under way, and says what the last did.
    pub(crate) fn wait(&self) -> LastRefresh {
        if let Some(h) = self.running.lock().expect("not poisoned").take() {
            let _ = h.join();
        }
        self.last.lock().expect("not poisoned").clone()
    }
}

impl Drop for FactsKeeper {
    fn drop(&mut self) {
        if let Some(h) = self.running.get_mut().ok().and_then(Option::take) {
            let _ = h.join();
        }
    }
}
