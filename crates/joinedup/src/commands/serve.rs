//! `joinedup serve`: the shared platform over one store.

use crate::cli::ServeArgs;
use anyhow::Context as _;
use std::time::Instant;
use store::{Access, Accounts, Batch, JourneyStore, NewEvent, NewUser};

/// The demo users: one per role, named for it, each in an organisation that fits the role.
pub const DEMO_USERS: [(&str, &str); 8] = [
    ("discharge_coordinator", "RJE"),
    ("social_worker", "00W"),
    ("broker", "00W"),
    ("provider", "RH001"),
    ("gp", "M83001"),
    ("voluntary_sector", "VOL01"),
    ("analyst", "05W"),
    ("admin", "05W"),
];
pub const DEMO_PASSWORD: &str = "demo";

/// Connections reading the audit log beside the one that appends.
const AUDIT_READERS: usize = 4;

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let mut store = store::open(&a.db, Access::Create)
        .with_context(|| format!("cannot open the store {}", a.db))?;
    let today = a.today;
    if a.demo {
        fill_demo(store.as_mut(), &a)?;
    }
    let mut accounts = store::open_accounts(&a.db)
        .with_context(|| format!("cannot open the accounts of the store {}", a.db))?;
    if a.demo {
        ensure_demo_users(accounts.as_mut())?;
    }
    let started = Instant::now();
    let live = live_log::LiveLog::open(store)
        .with_context(|| format!("cannot read the store {}", a.db))?;
    let read_in = started.elapsed().as_secs_f64();
    let from = match &live.started().unused {
        None => format!(
            "the state kept with the log and {} events after it",
            live.started().parsed
        ),
        Some(why) => format!("the whole log, the kept state not used: {why}"),
    };
    // The indicators' facts kept with the log, brought up to date as the service appends.
    let db = a.db.clone();
    live.keep_facts(std::sync::Arc::new(move || store::open(&db, Access::Write)));
    let config = web::Config {
        today,
        store_kind: a.db.kind(),
        secure_cookies: a.secure_cookies,
        ..web::Config::default()
    };
    let audit = store::open_audit(&a.db)
        .with_context(|| format!("cannot open the audit log of the store {}", a.db))?;
    // Reads of the audit log (who viewed a record, the reviews) on connections of their own,
    // so they never wait for the appender's commit.
    let readers = (0..AUDIT_READERS)
        .map(|_| store::open_audit_with(&a.db, Access::Read))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("cannot open the audit log of the store {}", a.db))?;
    let state = web::AppState::new(live, accounts, config)
        .with_audit(audit)
        .with_audit_readers(readers)
        .with_plans(&a.db)
        .with_context(|| format!("cannot open the plans of the store {}", a.db))?;
    // The PostgreSQL clients close their connections by blocking: the last handle of the store
    // is dropped here, after the runtime, never inside it.
    let kept = state.clone();
    let events = state.live.events();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the service's runtime")?;
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(a.addr)
            .await
            .with_context(|| format!("cannot listen on {}", a.addr))?;
        let addr = listener.local_addr()?;
        // Listening for the signals before saying so: a SIGTERM right after the line below
        // stops the service gracefully too.
        let stop = web::shutdown_signal().context("cannot listen for SIGTERM and Ctrl-C")?;
        eprintln!(
            "joinedup is serving {} ({events} events, read in {:.2} s: {from}) at http://{addr}/",
            a.db, read_in
        );
        if a.demo {
            eprintln!(
                "demo: sign in as any of {} with the password \"{DEMO_PASSWORD}\"",
                DEMO_USERS.map(|u| u.0).join(", ")
            );
        }
        eprintln!("stop with Ctrl-C; requests in flight finish first");
        web::serve(listener, web::app(state), stop).await?;
        eprintln!("stopped");
        anyhow::Ok(())
    });
    drop(runtime);
    drop(kept);
    served
}

/// Fills an empty store with the demo system (the same for the same `--today` and `--seed` on
/// every back end); a store with events already is left as it is.
fn fill_demo(store: &mut dyn JourneyStore, a: &ServeArgs) -> anyhow::Result<()> {
    if store.event_count()? > 0 {
        eprintln!("demo: the store already holds events; nothing added");
        return Ok(());
    }
    let started = Instant::now();
    let zone = domain::Zone::default();
    let today = a.today.unwrap_or_else(|| {
        zone.local_date(domain::Instant(
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0),
        ))
    });
    eprintln!("demo: simulating a Stoke-on-Trent year ending on {today} ...");
    let demo = twin::demo::demo(today, a.seed).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut events = Vec::with_capacity(demo.events.len());
    // The store is empty: its events will be numbered from 1 in this order.
    let mut facts = live_log::stored_facts::StoredFacts::with_live();
    for (n, e) in demo.events.iter().enumerate() {
        let raw = journey_log::event_json(e, &[]);
        let parsed = journey_log::parse_line(&raw, &demo.orgs)
            .map_err(|_| anyhow::anyhow!("the simulation wrote an event the log refuses: {raw}"))?;
        let line = live_log::stored_facts::line_of(n as i64 + 1);
        if !matches!(
            facts.push_stored(line, &parsed, &raw),
            journey_log::Verdict::New(_)
        ) {
            anyhow::bail!("the simulation wrote an event that breaks the log's rules: {raw}");
        }
        events.push(NewEvent::of(&parsed, raw));
    }
    let n = events.len();
    store.append(&Batch {
        events,
        orgs: demo.orgs.iter().cloned().collect(),
        population: Some(demo.population),
        // Kept with the log, so `metrics --db` and the service start from them.
        facts: facts.encode().map(|bytes| store::NewFacts {
            covers: store::Covers::Batch,
            format: live_log::stored_facts::FORMAT,
            bytes,
        }),
        ..Batch::default()
    })?;
    eprintln!(
        "demo: {n} events from {} to {today} stored in {:.1} s",
        demo.start,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Adds the demo users a store lacks (one per role, password [`DEMO_PASSWORD`]).
fn ensure_demo_users(accounts: &mut dyn Accounts) -> anyhow::Result<()> {
    let hash = web::hash_password(DEMO_PASSWORD).map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let now = chrono::Utc::now().timestamp();
    for (role, org) in DEMO_USERS {
        if accounts.user(role)?.is_none() {
            accounts.add_user(
                &NewUser {
                    username: role.into(),
                    org: org.into(),
                    roles: vec![role.into()],
                    password_hash: hash.clone(),
                },
                now,
            )?;
        }
    }
    Ok(())
}
