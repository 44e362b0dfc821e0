//! [`Plans`] in a PostgreSQL store: migration 4's tables, on a connection of their own, with
//! the semantics of [`crate::SqlitePlans`]. Every statement is parameterised. Synchronous, like
//! [`crate::PgAccounts`]: async callers call it from `spawn_blocking`.

use crate::location::mask_password;
use crate::pg::connect;
use crate::plans::{
    count_in, full_message, names_of, names_text, seed_in, NewPlanRun, PlanResult, PlanRun,
    PlanStatus, Plans, SavedScenario, RUN_COLUMNS,
};
use crate::{Access, PgStore, StoreError};
use postgres::error::SqlState;
use postgres::{Client, Row};
use std::cell::{RefCell, RefMut};

/// The plans of a PostgreSQL store, on a connection of their own.
pub struct PgPlans {
    /// Always `Some` until dropped.
    client: RefCell<Option<Client>>,
    url: String,
}

impl Drop for PgPlans {
    /// The client blocks when it closes its connection, which panics inside an async context:
    /// it is dropped on a thread of its own (as [`crate::PgAccounts`] is).
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            let closing = std::thread::Builder::new()
                .name("pg-plans-close".into())
                .spawn(move || drop(client));
            if let Ok(closing) = closing {
                let _ = closing.join();
            }
        }
    }
}

impl std::fmt::Debug for PgPlans {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPlans")
            .field("store", &mask_password(&self.url))
            .finish_non_exhaustive()
    }
}

impl PgPlans {
    /// Opens the plans of the store in the database at `url` (a joinedup store; an older one
    /// is migrated; an empty database is refused).
    pub fn open(url: &str) -> Result<Self, StoreError> {
        let client = PgStore::open(url, Access::Write)?.into_client();
        Ok(PgPlans {
            client: RefCell::new(Some(client)),
            url: url.to_string(),
        })
    }

    fn client(&self) -> Result<RefMut<'_, Client>, StoreError> {
        let mut c = self.client.try_borrow_mut().map_err(|_| {
            StoreError::Io(std::io::Error::other(
                "the PostgreSQL plans were called while one of their calls was running",
            ))
        })?;
        if c.as_ref().is_none_or(Client::is_closed) {
            *c = Some(connect(&self.url, false)?);
        }
        RefMut::filter_map(c, Option::as_mut)
            .map_err(|_| StoreError::Io(std::io::Error::other("no PostgreSQL connection")))
    }
}

fn scenario_row(r: &Row) -> Result<SavedScenario, StoreError> {
    Ok(SavedScenario {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        toml: r.try_get(2)?,
        created_by: r.try_get(3)?,
        created_at: r.try_get(4)?,
    })
}

fn run_row(r: &Row) -> Result<PlanRun, StoreError> {
    Ok(PlanRun {
        id: r.try_get(0)?,
        requested_by: r.try_get(1)?,
        org: r.try_get(2)?,
        requested_at: r.try_get(3)?,
        scenarios: names_of(r.try_get::<_, &str>(4)?),
        seed: r.try_get::<_, i64>(5)? as u64,
        replications: r.try_get::<_, i64>(6)? as u64,
        start_date: r.try_get(7)?,
        request: r.try_get(8)?,
        status: PlanStatus::parse(r.try_get::<_, &str>(9)?)?,
        done: r.try_get::<_, i64>(10)? as u64,
        total: r.try_get::<_, i64>(11)? as u64,
        started_at: r.try_get(12)?,
        heartbeat_at: r.try_get(13)?,
        finished_at: r.try_get(14)?,
        message: r.try_get(15)?,
    })
}

const SCENARIO_COLUMNS: &str = "id, name, toml, created_by, created_at";

impl Plans for PgPlans {
    fn save_scenario(
        &mut self,
        name: &str,
        toml: &str,
        created_by: &str,
        now: i64,
    ) -> Result<SavedScenario, StoreError> {
        let inserted = self.client()?.query_one(
            "INSERT INTO plan_scenarios (name, toml, created_by, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            &[&name, &toml, &created_by, &now],
        );
        let row = match inserted {
            Ok(row) => row,
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                return Err(StoreError::Conflict(format!(
                    "a scenario named {name:?} is already saved: give this one another name"
                )))
            }
            Err(e) => return Err(e.into()),
        };
        Ok(SavedScenario {
            id: row.try_get(0)?,
            name: name.into(),
            toml: toml.into(),
            created_by: created_by.into(),
            created_at: now,
        })
    }

    fn scenarios(&self) -> Result<Vec<SavedScenario>, StoreError> {
        // Byte order, as SQLite sorts.
        let rows = self.client()?.query(
            &format!("SELECT {SCENARIO_COLUMNS} FROM plan_scenarios ORDER BY name COLLATE \"C\""),
            &[],
        )?;
        rows.iter().map(scenario_row).collect()
    }

    fn scenario(&self, name: &str) -> Result<Option<SavedScenario>, StoreError> {
        let row = self.client()?.query_opt(
            &format!("SELECT {SCENARIO_COLUMNS} FROM plan_scenarios WHERE name = $1"),
            &[&name],
        )?;
        row.map(|r| scenario_row(&r)).transpose()
    }

    fn queue_run(&mut self, run: &NewPlanRun, max_waiting: u64) -> Result<PlanRun, StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        // Queued one at a time, so the count and the insert agree.
        tx.execute("LOCK TABLE plan_runs IN SHARE ROW EXCLUSIVE MODE", &[])?;
        let row = tx.query_opt(
            &format!(
                "INSERT INTO plan_runs (requested_by, org, requested_at, scenarios, seed, replications, start_date, request, status, done, total)
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, 'queued', 0, $9
                 WHERE (SELECT COUNT(*) FROM plan_runs WHERE status IN ('queued', 'running')) < $10
                 RETURNING {RUN_COLUMNS}"
            ),
            &[
                &run.requested_by,
                &run.org,
                &run.requested_at,
                &names_text(&run.scenarios),
                &seed_in(run.seed)?,
                &count_in(run.replications),
                &run.start_date,
                &run.request,
                &count_in(run.total),
                &count_in(max_waiting),
            ],
        )?;
        tx.commit()?;
        match row {
            Some(r) => run_row(&r),
            None => Err(StoreError::Conflict(full_message(max_waiting))),
        }
    }

    fn runs(&self, limit: u64) -> Result<Vec<PlanRun>, StoreError> {
        let rows = self.client()?.query(
            &format!("SELECT {RUN_COLUMNS} FROM plan_runs ORDER BY id DESC LIMIT $1"),
            &[&count_in(limit)],
        )?;
        rows.iter().map(run_row).collect()
    }

    fn run(&self, id: i64) -> Result<Option<PlanRun>, StoreError> {
        let row = self.client()?.query_opt(
            &format!("SELECT {RUN_COLUMNS} FROM plan_runs WHERE id = $1"),
            &[&id],
        )?;
        row.map(|r| run_row(&r)).transpose()
    }

    fn claim_next(&mut self, now: i64) -> Result<Option<PlanRun>, StoreError> {
        // SKIP LOCKED: two runners never take the same run, nor wait for each other.
        let row = self.client()?.query_opt(
            &format!(
                "UPDATE plan_runs SET status = 'running', started_at = $1, heartbeat_at = $1
                 WHERE id = (SELECT id FROM plan_runs WHERE status = 'queued' ORDER BY id
                             LIMIT 1 FOR UPDATE SKIP LOCKED)
                 RETURNING {RUN_COLUMNS}"
            ),
            &[&now],
        )?;
        row.map(|r| run_row(&r)).transpose()
    }

    fn set_progress(&mut self, id: i64, done: u64, now: i64) -> Result<(), StoreError> {
        self.client()?.execute(
            "UPDATE plan_runs SET done = $2, heartbeat_at = $3 WHERE id = $1 AND status = 'running'",
            &[&id, &count_in(done), &now],
        )?;
        Ok(())
    }

    fn heartbeat(&mut self, id: i64, now: i64) -> Result<(), StoreError> {
        self.client()?.execute(
            "UPDATE plan_runs SET heartbeat_at = $2 WHERE id = $1 AND status = 'running'",
            &[&id, &now],
        )?;
        Ok(())
    }

    fn finish(
        &mut self,
        id: i64,
        now: i64,
        outcome: Result<&PlanResult, &str>,
    ) -> Result<(), StoreError> {
        let mut client = self.client()?;
        match outcome {
            Ok(r) => client.execute(
                "UPDATE plan_runs SET status = 'done', done = total, finished_at = $2, result_json = $3, result_html = $4, result_csv = $5
                 WHERE id = $1 AND status = 'running'",
                &[&id, &now, &r.json, &r.html, &r.csv],
            )?,
            Err(m) => client.execute(
                "UPDATE plan_runs SET status = 'failed', finished_at = $2, message = $3
                 WHERE id = $1 AND status = 'running'",
                &[&id, &now, &m],
            )?,
        };
        Ok(())
    }

    fn result(&self, id: i64) -> Result<Option<PlanResult>, StoreError> {
        let row = self.client()?.query_opt(
            "SELECT result_json, result_html, result_csv FROM plan_runs WHERE id = $1 AND status = 'done'",
            &[&id],
        )?;
        row.map(|r| {
            Ok(PlanResult {
                json: r.try_get(0)?,
                html: r.try_get(1)?,
                csv: r.try_get(2)?,
            })
        })
        .transpose()
    }

    fn abandon_running(
        &mut self,
        now: i64,
        quiet_since: i64,
        message: &str,
    ) -> Result<u64, StoreError> {
        Ok(self.client()?.execute(
            "UPDATE plan_runs SET status = 'failed', finished_at = $1, message = $2
             WHERE status = 'running' AND COALESCE(heartbeat_at, started_at, 0) < $3",
            &[&now, &message, &quiet_since],
        )?)
    }
}
