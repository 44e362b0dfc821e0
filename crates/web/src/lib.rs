//! The shared platform's web service.
//!
//! [`app`] builds the whole service as an axum `Router` over an [`AppState`] (so tests can call
//! it without a socket), and [`serve`] runs it on a listener until a shutdown signal, letting
//! in-flight requests finish. The service is thin: appends and indicators are the live journey
//! log's ([`live_log::LiveLog`]), who may do what is the access rules' ([`access`]), users and
//! sessions are the store's ([`store::Accounts`]); this crate turns them into HTTP.
//!
//! Blocking work (the store, password hashing, computing a report) runs on tokio's blocking
//! threads, never on the async workers.

mod api;
mod audit;
mod auth;
mod board;
mod charts;
mod dtoc;
mod error;
mod guard;
mod openapi;
mod pages;
mod people;
mod plan_runner;
mod plans;
mod privacy;
mod security;
mod suppression;
mod views;

pub use auth::{hash_password, verify_password};
pub use error::AppError;

use axum::Router;
use chrono::NaiveDate;
use domain::Zone;
use indicators::BenchmarkSet;
use live_log::LiveLog;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use store::{Accounts, AuditLog};

/// How the service runs.
#[derive(Debug, Clone)]
pub struct Config {
    /// The date the service takes as today (a demo is fixed to one); `None`: the real date.
    pub today: Option<NaiveDate>,
    /// `sqlite` or `postgres`, for `/api/status`.
    pub store_kind: &'static str,
    pub zone: Zone,
    /// Mark cookies `Secure` (the service is behind TLS); also when a request says it came
    /// over https (`X-Forwarded-Proto`).
    pub secure_cookies: bool,
    /// How long a session lasts.
    pub session_hours: i64,
    /// Failed sign-ins allowed per user, and per address, in [`Config::sign_in_window_secs`].
    pub max_failures_per_user: u64,
    pub max_failures_per_address: u64,
    pub sign_in_window_secs: i64,
    /// The largest request body accepted (bytes).
    pub max_body_bytes: usize,
    /// Days a relationship lasts after the care that gave it ends (`access.md`: 90 by default).
    pub window_days: u32,
    /// Threads a plan's replications run on (0: one per core).
    pub plan_threads: usize,
    /// The most replications of each scenario a plan may ask for.
    pub max_plan_replications: u64,
    /// The most comparisons waiting or running at once; more are refused until one finishes.
    pub max_waiting_plans: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            today: None,
            store_kind: "sqlite",
            zone: Zone::default(),
            secure_cookies: false,
            session_hours: 12,
            max_failures_per_user: 5,
            max_failures_per_address: 20,
            sign_in_window_secs: 15 * 60,
            max_body_bytes: 16 << 20,
            window_days: access::DEFAULT_WINDOW_DAYS,
            plan_threads: 0,
            max_plan_replications: 200,
            max_waiting_plans: 10,
        }
    }
}

impl Config {
    /// Today in the service's time zone.
    pub fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(|| {
            self.zone.local_date(domain::Instant(
                chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0),
            ))
        })
    }
}

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub live: Arc<LiveLog>,
    pub accounts: Arc<Mutex<Box<dyn Accounts>>>,
    pub config: Arc<Config>,
    pub benchmarks: Arc<BenchmarkSet>,
    /// Where sign-ins, sign-outs, looks and writes are recorded ([`AppState::with_audit`]);
    /// without one, every request that must be recorded fails.
    pub audit: Option<Arc<Mutex<Box<dyn AuditLog>>>>,
    /// Connections that read the audit log (who viewed a record, the queue, the audit page)
    /// without waiting for the appender ([`AppState::with_audit_readers`]).
    pub audit_readers: Arc<Vec<Mutex<Box<dyn AuditLog>>>>,
    /// Audit entries waiting to be stored together (see [`audit::record`]).
    audit_queue: Arc<Mutex<Vec<audit::Pending>>>,
    /// Break-glass grants in force.
    pub grants: Arc<guard::Grants>,
    /// Saved scenarios and comparisons ([`AppState::with_plans`]); without them, no plans pages.
    pub plans: Option<Arc<Mutex<Box<dyn store::Plans>>>>,
    /// Runs the comparisons queued; stopped when the last handle of the state is dropped.
    plan_runner: Option<Arc<plan_runner::Runner>>,
    templates: Arc<minijinja::Environment<'static>>,
}

impl AppState {
    pub fn new(live: LiveLog, accounts: Box<dyn Accounts>, config: Config) -> Self {
        AppState {
            live: Arc::new(live),
            accounts: Arc::new(Mutex::new(accounts)),
            config: Arc::new(config),
            benchmarks: Arc::new(BenchmarkSet::stoke_2017()),
            audit: None,
            audit_queue: Arc::new(Mutex::new(Vec::new())),
            audit_readers: Arc::new(Vec::new()),
            grants: Arc::new(guard::Grants::default()),
            plans: None,
            plan_runner: None,
            templates: Arc::new(views::templates()),
        }
    }

    /// The plans of the store at `location`: its saved scenarios and comparisons, and a runner
    /// for the queued ones (on a connection of its own). Comparisons a stopped service left
    /// running (their runner quiet for a minute) are marked failed first; services sharing a
    /// store share its queue.
    pub fn with_plans(mut self, location: &store::Location) -> Result<Self, store::StoreError> {
        let mut plans = store::open_plans(location)?;
        let abandoned = plan_runner::abandon_interrupted(plans.as_mut())?;
        if abandoned > 0 {
            tracing::warn!(
                abandoned,
                "comparisons left running by a stopped service marked failed"
            );
        }
        let states = plan_runner::states_of(self.live.clone(), self.config.zone);
        let runner = plan_runner::Runner::start(
            store::open_plans(location)?,
            self.config.plan_threads,
            Some(states),
        )?;
        self.plans = Some(Arc::new(Mutex::new(plans)));
        self.plan_runner = Some(Arc::new(runner));
        Ok(self)
    }

    /// The service recording into `audit` (see [`store::open_audit`]).
    pub fn with_audit(mut self, audit: Box<dyn AuditLog>) -> Self {
        self.audit = Some(Arc::new(Mutex::new(audit)));
        self.grants = Arc::new(guard::Grants::default());
        guard::refresh_grants(&self, true);
        self
    }

    /// Reads of the audit log on these connections of their own (otherwise on the appender's).
    pub fn with_audit_readers(mut self, readers: Vec<Box<dyn AuditLog>>) -> Self {
        self.audit_readers = Arc::new(readers.into_iter().map(Mutex::new).collect());
        self
    }

    /// Runs blocking work (the store, hashing) on a blocking thread.
    pub(crate) async fn blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&AppState) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || f(&state))
            .await
            .map_err(|e| AppError::internal(format!("a worker failed: {e}")))?
    }
}

/// The whole service.
pub fn app(state: AppState) -> Router {
    let max_body = state.config.max_body_bytes;
    Router::new()
        .merge(api::routes())
        .merge(pages::routes())
        .merge(people::routes())
        .merge(board::routes())
        .merge(dtoc::routes())
        .merge(privacy::routes())
        .merge(plans::routes())
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state)
}

/// Serves `app` on `listener` until `shutdown` completes; requests in flight finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// A future that completes on SIGTERM or Ctrl-C (SIGINT), listening from this call on (a signal
/// future made lazily would miss a signal that comes before it is first polled). Called inside
/// the runtime.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
