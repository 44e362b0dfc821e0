//! The journey log as a running service holds it.
//!
//! [`LiveLog`] keeps, beside the store, the log's rules ([`journey_log::Validator`]), the
//! indicators' facts ([`indicators::JourneyFacts`]) and every person's facts for every event
//! stored, so that an append is checked against the whole log without reading it again, and the
//! indicators of any period are computed from memory. It starts from the state kept with the
//! log ([`stored_facts`]) and the events stored after it, reading the whole log only when none
//! can be used. Events written to the store by another process (an `import` while the service
//! runs) are folded in before each append and when a view is asked for.
//!
//! *Invariant*: an append is validated exactly as `import` validates (the same parser, the same
//! rules, against every stored event) and stored in the same write transaction; a rejected
//! append changes nothing, in the store or in memory.

mod append;
mod facts_bytes;
mod facts_keeper;
mod live_state;
pub mod people;
pub mod stored_facts;
mod view;

pub use append::{AppendError, Appended, LineError, Precondition, Record};
pub use facts_keeper::{LastRefresh, OpenStore};
pub use live_state::LiveState;
pub use people::People;
pub use view::{Span, View};

use domain::{OrgRegister, Population};
use journey_log::parse_line;
use std::sync::{Arc, Mutex, RwLock};
use store::{JourneyStore, StoreError, StoreRead};
use stored_facts::{StoredFacts, Unusable, Want};

/// An error of the live log itself.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store holds {0} events that break the log's rules or no longer parse")]
    Damaged(usize),
}

/// What the writer holds: the store and everything kept in step with it.
struct Held {
    store: Box<dyn JourneyStore + Send>,
    /// The indicators' facts and the live state ([`LiveState`]: never `None` here) of every
    /// event folded in.
    kept: StoredFacts,
    orgs: OrgRegister,
    population: Option<Population>,
    /// The sequence number of the last stored event folded in.
    last_seq: i64,
    /// Grows with every change folded in.
    version: u64,
    /// The ids of the events this service appended, until a catch-up reads them back from
    /// the store (they are folded in already: the validator keeps no ids to know them by).
    own: std::collections::HashSet<domain::Text>,
}

impl Held {
    fn live(&self) -> &LiveState {
        self.kept
            .live
            .as_ref()
            .expect("the live log folds its state")
    }

    fn live_mut(&mut self) -> &mut LiveState {
        self.kept
            .live
            .as_mut()
            .expect("the live log folds its state")
    }
}

/// How a live log started (for the log and tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    /// Events stored after the kept state, read (all of them when it was not used).
    pub parsed: u64,
    /// Why the kept state was not used (`None`: it was).
    pub unused: Option<Unusable>,
}

/// The journey log of a running service.
pub struct LiveLog {
    /// Shared with the views, which read people's records through its store.
    held: Arc<Mutex<Held>>,
    /// Appends waiting for the writer (stored together: see [`LiveLog::append`]).
    queue: Mutex<Vec<append::Queued>>,
    /// The organisations register appends are parsed against (kept in step by `held`).
    orgs: RwLock<Arc<OrgRegister>>,
    view: RwLock<Arc<View>>,
    /// Serialises rebuilding views, so concurrent readers wait for one rebuild.
    rebuilding: Mutex<()>,
    /// When the store was last looked at for other writers' events.
    looked: Mutex<std::time::Instant>,
    /// The version of what `held` holds (read without its lock).
    version: std::sync::atomic::AtomicU64,
    /// Keeps the facts stored with the log up to date, once asked to ([`LiveLog::keep_facts`]).
    keeper: std::sync::OnceLock<facts_keeper::FactsKeeper>,
    started: Started,
}

/// How often a reader looks at the store for events written by other processes (an `import`
/// while the service runs): their events show within this time. The service's own appends
/// show at once.
pub const LOOK_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

impl LiveLog {
    /// Reads the state kept with the log and the events stored after it, or, when it cannot
    /// be used, the whole store, checking it as `import` would.
    pub fn open(store: Box<dyn JourneyStore + Send>) -> Result<Self, LiveError> {
        let mut read = None;
        store.read(&mut |r| {
            let orgs = r.orgs()?;
            let population = r.population()?;
            let folded = stored_facts::read(r, &orgs, true, Want::Live)?;
            read = Some((orgs, population, folded));
            Ok(())
        })?;
        let (orgs, population, folded) = read.expect("the read ran");
        let damage = folded.bad as usize + folded.broken();
        if damage > 0 {
            return Err(LiveError::Damaged(damage));
        }
        let started = Started {
            parsed: folded.parsed,
            unused: folded.unused.clone(),
        };
        let held = Held {
            store,
            kept: folded.facts,
            orgs,
            population,
            last_seq: folded.last_seq,
            version: 0,
            own: std::collections::HashSet::new(),
        };
        let orgs = RwLock::new(Arc::new(held.orgs.clone()));
        let held = Arc::new(Mutex::new(held));
        let view = Arc::new(View::build(
            &held.lock().expect("not poisoned"),
            held.clone(),
        ));
        Ok(LiveLog {
            held,
            queue: Mutex::new(Vec::new()),
            orgs,
            view: RwLock::new(view),
            rebuilding: Mutex::new(()),
            looked: Mutex::new(std::time::Instant::now()),
            version: std::sync::atomic::AtomicU64::new(0),
            keeper: std::sync::OnceLock::new(),
            started,
        })
    }

    /// How this live log started: from the kept state or from the whole log.
    pub fn started(&self) -> &Started {
        &self.started
    }

    /// Keeps the indicators' facts stored with the log ([`stored_facts`]) up to date as this
    /// service appends: after the appends grow the events stored after them past
    /// [`stored_facts::refresh_due`], a refresh on a thread of its own, with a connection
    /// `open` makes; one now too unless this log started from a kept state with a tail too
    /// short for one (a store that keeps none gets them). Appends never wait for it.
    pub fn keep_facts(&self, open: Arc<OpenStore>) {
        let keeper = self
            .keeper
            .get_or_init(|| facts_keeper::FactsKeeper::new(open));
        // Started from a kept state with a short tail: nothing to refresh yet.
        let s = &self.started;
        if s.unused.is_some() || stored_facts::refresh_due(s.parsed, self.events()) {
            keeper.look();
        }
    }

    /// Waits for a refresh of the stored facts under way; what the last did (`None`: none
    /// ran, or facts are not kept).
    pub fn facts_refreshed(&self) -> LastRefresh {
        self.keeper.get().and_then(|k| k.wait())
    }

    /// The latest view of the log: the service's own appends at once, what other processes
    /// stored within [`LOOK_EVERY`]. A view is rebuilt once per change, however many readers ask.
    pub fn view(&self) -> Result<Arc<View>, LiveError> {
        let look = {
            let mut t = self.looked.lock().expect("not poisoned");
            let due = t.elapsed() >= LOOK_EVERY;
            if due {
                *t = std::time::Instant::now();
            }
            due
        };
        self.view_looking(look)
    }

    /// The latest view, having looked at the store for other writers' events now.
    pub fn fresh_view(&self) -> Result<Arc<View>, LiveError> {
        self.view_looking(true)
    }

    fn view_looking(&self, look: bool) -> Result<Arc<View>, LiveError> {
        use std::sync::atomic::Ordering;
        let current = self.view.read().expect("not poisoned").clone();
        if !look && current.version == self.version.load(Ordering::Acquire) {
            return Ok(current);
        }
        let _one = self.rebuilding.lock().expect("not poisoned");
        let mut held = self.held.lock().expect("not poisoned");
        if look && held.catch_up()? {
            *self.orgs.write().expect("not poisoned") = Arc::new(held.orgs.clone());
        }
        self.version.store(held.version, Ordering::Release);
        let latest = self.view.read().expect("not poisoned").clone();
        if latest.version == held.version {
            return Ok(latest);
        }
        let view = Arc::new(View::build(&held, self.held.clone()));
        drop(held);
        *self.view.write().expect("not poisoned") = view.clone();
        Ok(view)
    }

    /// The view last built, without looking for changes.
    pub fn cached_view(&self) -> Arc<View> {
        self.view.read().expect("not poisoned").clone()
    }

    /// Whether the store answers.
    pub fn healthy(&self) -> bool {
        let held = self.held.lock().expect("not poisoned");
        held.store.read(&mut |r| r.population().map(|_| ())).is_ok()
    }

    /// Events held.
    pub fn events(&self) -> u64 {
        self.held.lock().expect("not poisoned").kept.events()
    }

    /// Hands every stored event to `f`, in the order stored (each line parsed again: for a
    /// reader of the whole log, such as a plan run's starting state). Reads through a
    /// connection of its own when facts are kept ([`LiveLog::keep_facts`]), so appends do not
    /// wait for it; otherwise through the writer's.
    pub fn each_event(&self, f: &mut dyn FnMut(&domain::Event)) -> Result<u64, LiveError> {
        let mut bad = 0usize;
        let mut n = 0u64;
        let mut read = |r: &dyn StoreRead| -> Result<(), StoreError> {
            let orgs = r.orgs()?;
            r.scan(&mut |raw| match parse_line(raw, &orgs) {
                Ok(p) => {
                    n += 1;
                    f(&p.event)
                }
                Err(_) => bad += 1,
            })?;
            Ok(())
        };
        match self.keeper.get() {
            Some(k) => (k.open)()?.read(&mut read)?,
            None => self
                .held
                .lock()
                .expect("not poisoned")
                .store
                .read(&mut read)?,
        }
        if bad > 0 {
            return Err(LiveError::Damaged(bad));
        }
        Ok(n)
    }
}

/// Events read from the store that are not yet folded in.
#[derive(Default)]
struct CatchUp {
    last_seq: i64,
    events: u64,
    bad: usize,
}

impl CatchUp {
    /// Folds the stored events after `self.last_seq` into `kept`, checked by its validator,
    /// but for the service's own appends read back (their ids taken out of `own`).
    fn fold(
        &mut self,
        r: &dyn StoreRead,
        orgs: &OrgRegister,
        kept: &mut StoredFacts,
        own: &mut std::collections::HashSet<domain::Text>,
    ) -> Result<(), StoreError> {
        let after = self.last_seq;
        r.scan_since(after, &mut |seq, raw| {
            self.last_seq = seq;
            match parse_line(raw, orgs) {
                Ok(p) if !own.is_empty() && own.remove(&p.event.id) => {}
                Ok(p) => {
                    let verdict = kept.push_stored(stored_facts::line_of(seq), &p, raw);
                    if let journey_log::Verdict::New(_) = verdict {
                        self.events += 1;
                    }
                }
                Err(_) => self.bad += 1,
            }
        })?;
        Ok(())
    }
}

impl Held {
    fn apply(&mut self, c: CatchUp) {
        if c.events > 0 {
            self.version += 1;
        }
        self.last_seq = self.last_seq.max(c.last_seq);
    }

    /// Folds in what other writers stored since the last look; true if the registers changed.
    fn catch_up(&mut self) -> Result<bool, LiveError> {
        let mut state = CatchUp {
            last_seq: self.last_seq,
            ..CatchUp::default()
        };
        let mut registers = None;
        let Held {
            store, kept, own, ..
        } = self;
        store.read(&mut |r| {
            let orgs = r.orgs()?;
            state.fold(r, &orgs, kept, own)?;
            registers = Some((orgs, r.population()?));
            Ok(())
        })?;
        if state.bad > 0 {
            return Err(LiveError::Damaged(state.bad));
        }
        let mut changed = false;
        if let Some((orgs, population)) = registers {
            if orgs != self.orgs || population != self.population {
                self.orgs = orgs;
                self.population = population;
                self.version += 1;
                changed = true;
            }
        }
        self.apply(state);
        Ok(changed)
    }
}
