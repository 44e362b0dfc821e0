//! The journey log as a running service holds it.
//!
//! [`LiveLog`] keeps, beside the store, the log's rules ([`journey_log::Validator`]) and the
//! indicators' facts ([`indicators::JourneyFacts`]) for every event stored, so that an append is
//! checked against the whole log without reading it again, and the indicators of any period are
//! computed from memory. Events written to the store by another process (an `import` while the
//! service runs) are folded in before each append and when a view is asked for.
//!
//! *Invariant*: an append is validated exactly as `import` validates (the same parser, the same
//! rules, against every stored event) and stored in the same write transaction; a rejected
//! append changes nothing, in the store or in memory.

mod append;
mod facts_keeper;
pub mod people;
pub mod stored_facts;
mod view;

pub use append::{AppendError, Appended, LineError, Precondition, Record};
pub use facts_keeper::{LastRefresh, OpenStore};
pub use people::People;
pub use view::{Span, View};

use domain::{OrgRegister, Population};
use indicators::JourneyFacts;
use journey_log::{parse_line, Loc, Validator};
use std::sync::{Arc, Mutex, RwLock};
use store::{JourneyStore, StoreError, StoreRead};

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
    validator: Validator,
    facts: JourneyFacts,
    /// What the access rules need about each person, for the same events as `facts`.
    people: People,
    orgs: OrgRegister,
    population: Option<Population>,
    /// The sequence number of the last stored event folded in.
    last_seq: i64,
    events: u64,
    /// Grows with every change folded in.
    version: u64,
    span: Span,
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
}

/// How often a reader looks at the store for events written by other processes (an `import`
/// while the service runs): their events show within this time. The service's own appends
/// show at once.
pub const LOOK_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

impl LiveLog {
    /// Reads the whole store once, checking it as `import` would.
    pub fn open(store: Box<dyn JourneyStore + Send>) -> Result<Self, LiveError> {
        let mut held = Held {
            store,
            validator: Validator::new(),
            facts: JourneyFacts::new(),
            people: People::default(),
            orgs: OrgRegister::default(),
            population: None,
            last_seq: 0,
            events: 0,
            version: 0,
            span: Span::default(),
        };
        let mut catch_up = None;
        let Held {
            store,
            validator,
            facts,
            people,
            ..
        } = &mut held;
        store.read(&mut |r| {
            let orgs = r.orgs()?;
            let population = r.population()?;
            let mut state = CatchUp::default();
            state.fold(r, &orgs, validator, facts, people)?;
            catch_up = Some((orgs, population, state));
            Ok(())
        })?;
        let (orgs, population, state) = catch_up.expect("the read ran");
        if state.bad > 0 || validator.error_count() > 0 {
            return Err(LiveError::Damaged(state.bad + validator.error_count()));
        }
        held.orgs = orgs;
        held.population = population;
        held.apply(state);
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
        })
    }

    /// Keeps the indicators' facts stored with the log ([`stored_facts`]) up to date as this
    /// service appends: after the appends grow the events stored after them past
    /// [`stored_facts::refresh_due`], a refresh on a thread of its own, with a connection
    /// `open` makes; one now too (a store that keeps none gets them). Appends never wait
    /// for it.
    pub fn keep_facts(&self, open: Arc<OpenStore>) {
        let keeper = self
            .keeper
            .get_or_init(|| facts_keeper::FactsKeeper::new(open));
        keeper.look();
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
        self.held.lock().expect("not poisoned").events
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
    span: Span,
}

impl CatchUp {
    /// Folds the stored events after `self.last_seq` into `validator`, `facts` and `people`.
    fn fold(
        &mut self,
        r: &dyn StoreRead,
        orgs: &OrgRegister,
        validator: &mut Validator,
        facts: &mut JourneyFacts,
        people: &mut People,
    ) -> Result<(), StoreError> {
        let after = self.last_seq;
        r.scan_since(after, &mut |seq, raw| {
            self.last_seq = seq;
            match parse_line(raw, orgs) {
                Ok(p) => {
                    let loc = Loc {
                        file: u32::MAX,
                        line: u32::try_from(seq).unwrap_or(u32::MAX),
                    };
                    if let journey_log::Verdict::New(ix) = validator.check(loc, &p) {
                        facts.push_indexed(&p.event, ix);
                        people.push(&p.event, raw);
                        self.events += 1;
                        self.span.include(p.event.at);
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
        self.events += c.events;
        self.span.merge(c.span);
    }

    /// Folds in what other writers stored since the last look; true if the registers changed.
    fn catch_up(&mut self) -> Result<bool, LiveError> {
        let mut state = CatchUp {
            last_seq: self.last_seq,
            ..CatchUp::default()
        };
        let mut registers = None;
        let Held {
            store,
            validator,
            facts,
            people,
            ..
        } = self;
        store.read(&mut |r| {
            let orgs = r.orgs()?;
            state.fold(r, &orgs, validator, facts, people)?;
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
