//! The plans' runner: comparisons asked for on the plans page run one at a time, in order, on
//! a thread of their own with a small pool for the replications, so pages stay quick while a
//! run goes on; the rest wait in the store (`plan_runs`, queued). Progress goes to the store as
//! replications finish. The runner stops with the service: a run under way is stopped after
//! the replications in hand and marked failed. A runner says it is at its run every few
//! seconds (a heartbeat in the store); a run whose runner has been quiet for [`QUIET_SECS`] (its
//! service died) is marked failed by any runner over the store, at its start and as it looks for
//! work ([`abandon_interrupted`]), never left "running". Several services may share a store: a
//! run is claimed by one runner only, and none fails another's live run.
//!
//! What a run needs is in its request ([`RunRequest`]): each scenario's TOML as it was when the
//! run was asked for (a saved scenario changed or removed later changes nothing).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use store::{PlanResult, PlanRun, Plans, StoreError};
use twin::compare::Progress;
use twin::state::{InitialState, StateBuilder};
use twin::Scenario;

/// How often the runner looks for queued runs when not woken (a run queued by another service
/// over the same store).
const LOOK_EVERY: Duration = Duration::from_secs(2);
/// Progress is written at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// A running run's runner says it is at it this often, whatever its progress.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);
/// A running run whose runner has said nothing for this long (seconds) is taken as abandoned.
pub const QUIET_SECS: i64 = 60;

/// A scenario of a run, as it is run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunScenario {
    pub name: String,
    /// The whole scenario (every key, `extends` resolved).
    pub toml: String,
}

/// Where a run starts from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum StartFrom {
    /// The state of the live store's journey log at the start of `date` (people in hospital
    /// and what they wait for, care running, care home residents, reviews due: `twin::state`);
    /// each scenario's TOML already starts on that day without warm-up.
    LiveStore {
        /// `YYYY-MM-DD`.
        date: String,
    },
}

/// What the runner needs to run a comparison (the `request` of a plan run).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRequest {
    pub scenarios: Vec<RunScenario>,
    /// `None`: each scenario from its own warm-up.
    pub start: Option<StartFrom>,
}

/// The message of a run interrupted by the service stopping.
pub const INTERRUPTED: &str =
    "the service stopped while this comparison was running: start it again";

/// Marks failed the runs a stopped service left running: those whose runner has been quiet for
/// [`QUIET_SECS`].
pub fn abandon_interrupted(plans: &mut dyn Plans) -> Result<u64, StoreError> {
    let now = crate::auth::now_secs();
    plans.abandon_running(now, now - QUIET_SECS, INTERRUPTED)
}

/// The state of the live store's log at the start of a date (read when a run starts from it).
pub type States = Arc<dyn Fn(chrono::NaiveDate) -> Result<InitialState, String> + Send + Sync>;

/// The state of `live`'s journey log at the start of a date: every stored event, folded by
/// `twin::state` (the web reads, the twin decides).
pub fn states_of(live: Arc<live_log::LiveLog>, zone: domain::Zone) -> States {
    Arc::new(move |date| {
        let mut b = StateBuilder::new(date, zone);
        live.each_event(&mut |e| b.push(e)).map_err(|e| {
            tracing::error!(cause = %e, "the store's state could not be read");
            "the store could not be read; the cause has been logged".to_string()
        })?;
        let state = b.finish();
        if state.people.is_empty() {
            return Err(format!(
                "the store holds no one registered and alive at the start of {date}"
            ));
        }
        Ok(state)
    })
}

/// The runner: its thread, stopped and joined when dropped.
pub struct Runner {
    wake: Mutex<Option<mpsc::Sender<()>>>,
    stop: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Runner {
    /// Starts the runner on `plans` (a connection of its own), replications on `threads`
    /// threads (0: one per core).
    pub fn start(
        plans: Box<dyn Plans>,
        threads: usize,
        states: Option<States>,
    ) -> std::io::Result<Runner> {
        let (tx, rx) = mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("plan-replications-{i}"))
            .build()
            .map_err(std::io::Error::other)?;
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("plan-runner".into())
            .spawn(move || run_queue(Mutex::new(plans), rx, &stopping, &pool, states.as_ref()))?;
        Ok(Runner {
            wake: Mutex::new(Some(tx)),
            stop,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Tells the runner a run was queued.
    pub fn wake(&self) {
        if let Some(tx) = self.wake.lock().expect("not poisoned").as_ref() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Dropping the sender ends the runner's wait at once.
        self.wake.lock().map(|mut w| w.take()).ok();
        if let Some(t) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = t.join();
        }
    }
}

/// The runner's loop: the oldest queued run, until stopped.
fn run_queue(
    plans: Mutex<Box<dyn Plans>>,
    wake: mpsc::Receiver<()>,
    stop: &AtomicBool,
    pool: &rayon::ThreadPool,
    states: Option<&States>,
) {
    while !stop.load(Ordering::SeqCst) {
        let claimed = {
            let mut p = plans.lock().expect("not poisoned");
            match abandon_interrupted(p.as_mut()) {
                Ok(0) => {}
                Ok(n) => {
                    tracing::warn!(runs = n, "comparisons whose service stopped marked failed")
                }
                Err(e) => tracing::error!(cause = %e, "the plans runner cannot check the runs"),
            }
            p.claim_next(crate::auth::now_secs())
        };
        match claimed {
            Ok(Some(run)) => {
                let outcome = execute(&plans, &run, stop, pool, states);
                let mut p = plans.lock().expect("not poisoned");
                let now = crate::auth::now_secs();
                let stored = match &outcome {
                    Ok(result) => p.finish(run.id, now, Ok(result)),
                    Err(message) => p.finish(run.id, now, Err(message)),
                };
                if let Err(e) = stored {
                    tracing::error!(run = run.id, cause = %e, "a plan run's end was not stored");
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(cause = %e, "the plans runner cannot read the queue"),
        }
        match wake.recv_timeout(LOOK_EVERY) {
            Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
}

/// Says every [`HEARTBEAT_EVERY`] that run `id` is being run, until `running` is false.
fn heartbeat(plans: &Mutex<Box<dyn Plans>>, id: i64, running: &AtomicBool) {
    let mut last = Instant::now();
    while running.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
        if last.elapsed() >= HEARTBEAT_EVERY {
            last = Instant::now();
            let said = plans
                .lock()
                .expect("not poisoned")
                .heartbeat(id, crate::auth::now_secs());
            if let Err(e) = said {
                tracing::warn!(run = id, cause = %e, "a plan run's heartbeat was not stored");
            }
        }
    }
}

/// Runs one comparison: its result, or why it failed (in words for the page).
fn execute(
    plans: &Mutex<Box<dyn Plans>>,
    run: &PlanRun,
    stop: &AtomicBool,
    pool: &rayon::ThreadPool,
    states: Option<&States>,
) -> Result<PlanResult, String> {
    let request: RunRequest = serde_json::from_str(&run.request)
        .map_err(|e| format!("the comparison's request cannot be read: {e}"))?;
    let scenarios = request
        .scenarios
        .iter()
        .map(|s| {
            let scenario: Scenario = toml::from_str(&s.toml)
                .map_err(|e| format!("scenario {} cannot be read: {e}", s.name))?;
            scenario
                .validate()
                .map_err(|e| format!("scenario {}: {e}", s.name))?;
            Ok(scenario)
        })
        .collect::<Result<Vec<_>, String>>()?;
    // The state the run starts from, read once for every scenario and replication.
    let start = match &request.start {
        None => None,
        Some(StartFrom::LiveStore { date }) => {
            let date = domain::parse_date(date)
                .map_err(|_| format!("the comparison's start date {date:?} cannot be read"))?;
            let states =
                states.ok_or("this service cannot read its store's state to start from")?;
            Some(states(date)?)
        }
    };
    let last = Mutex::new(Instant::now());
    let progress = |p: Progress| {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        if let Ok(mut at) = last.try_lock() {
            if at.elapsed() >= PROGRESS_EVERY || p.done == p.total {
                *at = Instant::now();
                if let Err(e) = plans.lock().expect("not poisoned").set_progress(
                    run.id,
                    p.done,
                    crate::auth::now_secs(),
                ) {
                    tracing::warn!(run = run.id, cause = %e, "a plan run's progress was not stored");
                }
            }
        }
        true
    };
    let running = AtomicBool::new(true);
    let compared = std::thread::scope(|scope| {
        // The heartbeat, while the replications run (one may take long).
        scope.spawn(|| heartbeat(plans, run.id, &running));
        let compared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &start {
            None => twin::compare::compare(&scenarios, run.seed, run.replications, pool, &progress),
            Some(state) => twin::compare::compare_with(
                &scenarios,
                run.seed,
                run.replications,
                pool,
                &progress,
                &|s, seed, r| twin::replicate_from(s, Some(state), seed, r, None),
            ),
        }));
        running.store(false, Ordering::SeqCst);
        compared
    });
    let mut c = match compared {
        Ok(Ok(c)) => c,
        Ok(Err(twin::compare::CompareError::Stopped)) => return Err(INTERRUPTED.into()),
        Ok(Err(e)) => return Err(e.to_string()),
        Err(_) => {
            tracing::error!(run = run.id, "a plan run panicked");
            return Err("the simulation failed; the cause has been logged".into());
        }
    };
    c.started_from = start
        .as_ref()
        .map(|s| format!("the people in the store at the start of {}", s.date));
    let mut json = c.json();
    if let Some(state) = &start {
        json["initial_state"] = state_json(state);
    }
    Ok(PlanResult {
        json: json.to_string(),
        html: c.html_body(),
        csv: c.csv(),
    })
}

/// A plan's `initial_state`: the date and the census the runs started from.
fn state_json(state: &InitialState) -> Value {
    serde_json::json!({
        "date": state.date.to_string(),
        "census": state.census(),
        "notes": state.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::{Location, NewPlanRun};

    fn plans() -> (tempfile::TempDir, Mutex<Box<dyn Plans>>) {
        let dir = tempfile::tempdir().unwrap();
        let at = Location::Sqlite(dir.path().join("s.db"));
        drop(store::open(&at, store::Access::Create).unwrap());
        let p = store::open_plans(&at).unwrap();
        (dir, Mutex::new(p))
    }

    fn short(name: &str) -> RunScenario {
        let mut s = Scenario::load(name).unwrap();
        s.run.days = 10;
        s.run.warmup_days = 5;
        s.run.cooldown_days = 0;
        RunScenario {
            name: s.name.clone(),
            toml: toml::to_string(&s).unwrap(),
        }
    }

    fn queued(p: &Mutex<Box<dyn Plans>>, request: &str) -> PlanRun {
        let mut p = p.lock().unwrap();
        p.queue_run(
            &NewPlanRun {
                requested_by: "analyst".into(),
                org: "05W".into(),
                requested_at: 0,
                scenarios: vec!["a".into(), "b".into()],
                seed: 3,
                replications: 2,
                start_date: None,
                request: request.into(),
                total: 4,
            },
            10,
        )
        .unwrap();
        p.claim_next(0).unwrap().unwrap()
    }

    fn pool() -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
    }

    #[test]
    fn a_request_is_run_and_its_tables_kept() {
        let (_dir, p) = plans();
        let request = RunRequest {
            scenarios: vec![short("stoke-2017"), short("d2a")],
            start: None,
        };
        let run = queued(&p, &serde_json::to_string(&request).unwrap());
        let r = execute(&p, &run, &AtomicBool::new(false), &pool(), None).unwrap();
        assert!(
            r.html.starts_with("<h1>Scenarios compared</h1>"),
            "{}",
            r.html
        );
        assert!(r.csv.starts_with("id,stoke-2017_mean"), "{}", r.csv);
        assert_eq!(p.lock().unwrap().run(run.id).unwrap().unwrap().done, 4);
    }

    #[test]
    fn what_cannot_run_fails_with_a_message_and_a_stop_interrupts() {
        let (_dir, p) = plans();
        let stop = AtomicBool::new(false);
        let run = queued(&p, "not json");
        let e = execute(&p, &run, &stop, &pool(), None).unwrap_err();
        assert!(e.contains("cannot be read"), "{e}");
        let mut bad = short("d2a");
        bad.toml = bad.toml.replace("beds = ", "beds = -");
        let request = RunRequest {
            scenarios: vec![short("stoke-2017"), bad],
            start: None,
        };
        let run = queued(&p, &serde_json::to_string(&request).unwrap());
        let e = execute(&p, &run, &stop, &pool(), None).unwrap_err();
        assert!(e.contains("scenario d2a"), "{e}");
        let live = RunRequest {
            scenarios: vec![short("stoke-2017"), short("d2a")],
            start: Some(StartFrom::LiveStore {
                date: "2026-12-01".into(),
            }),
        };
        let run = queued(&p, &serde_json::to_string(&live).unwrap());
        let e = execute(&p, &run, &stop, &pool(), None).unwrap_err();
        assert!(e.contains("cannot read its store's state"), "{e}");
        let nobody: States = Arc::new(|date| Err(format!("no one at {date}")));
        let e = execute(&p, &run, &stop, &pool(), Some(&nobody)).unwrap_err();
        assert_eq!(e, "no one at 2026-12-01");
        stop.store(true, Ordering::SeqCst);
        let request = RunRequest {
            scenarios: vec![short("stoke-2017"), short("d2a")],
            start: None,
        };
        let run = queued(&p, &serde_json::to_string(&request).unwrap());
        assert_eq!(
            execute(&p, &run, &stop, &pool(), None).unwrap_err(),
            INTERRUPTED
        );
    }
}
