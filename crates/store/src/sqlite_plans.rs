//! [`Plans`] in the SQLite store file.

use crate::plans::{
    count_in, full_message, names_of, names_text, seed_in, NewPlanRun, PlanResult, PlanRun,
    PlanStatus, Plans, SavedScenario, RUN_COLUMNS,
};
use crate::sqlite::{Access, SqliteStore};
use crate::StoreError;
use rusqlite::{params, ErrorCode, OptionalExtension};
use std::path::Path;

/// The plans of a SQLite store, on a connection of their own.
pub struct SqlitePlans {
    store: SqliteStore,
}

impl SqlitePlans {
    /// Opens the plans of the store at `path` (which must exist; an older one is migrated).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(SqlitePlans {
            store: SqliteStore::open_with(path, Access::Write)?,
        })
    }
}

fn scenario_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SavedScenario> {
    Ok(SavedScenario {
        id: r.get(0)?,
        name: r.get(1)?,
        toml: r.get(2)?,
        created_by: r.get(3)?,
        created_at: r.get(4)?,
    })
}

/// A run from the columns [`RUN_COLUMNS`]; its status as text, checked by the caller.
fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(PlanRun, String)> {
    Ok((
        PlanRun {
            id: r.get(0)?,
            requested_by: r.get(1)?,
            org: r.get(2)?,
            requested_at: r.get(3)?,
            scenarios: names_of(&r.get::<_, String>(4)?),
            seed: r.get::<_, i64>(5)? as u64,
            replications: r.get::<_, i64>(6)? as u64,
            start_date: r.get(7)?,
            request: r.get(8)?,
            status: PlanStatus::Queued,
            done: r.get::<_, i64>(10)? as u64,
            total: r.get::<_, i64>(11)? as u64,
            started_at: r.get(12)?,
            heartbeat_at: r.get(13)?,
            finished_at: r.get(14)?,
            message: r.get(15)?,
        },
        r.get(9)?,
    ))
}

fn checked((mut run, status): (PlanRun, String)) -> Result<PlanRun, StoreError> {
    run.status = PlanStatus::parse(&status)?;
    Ok(run)
}

impl Plans for SqlitePlans {
    fn save_scenario(
        &mut self,
        name: &str,
        toml: &str,
        created_by: &str,
        now: i64,
    ) -> Result<SavedScenario, StoreError> {
        let conn = self.store.connection();
        let inserted = conn.execute(
            "INSERT INTO plan_scenarios (name, toml, created_by, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![name, toml, created_by, now],
        );
        match inserted {
            Ok(_) => {}
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) => {
                return Err(StoreError::Conflict(format!(
                    "a scenario named {name:?} is already saved: give this one another name"
                )))
            }
            Err(e) => return Err(e.into()),
        }
        Ok(SavedScenario {
            id: conn.last_insert_rowid(),
            name: name.into(),
            toml: toml.into(),
            created_by: created_by.into(),
            created_at: now,
        })
    }

    fn scenarios(&self) -> Result<Vec<SavedScenario>, StoreError> {
        let conn = self.store.connection();
        let mut stmt = conn.prepare(
            "SELECT id, name, toml, created_by, created_at FROM plan_scenarios ORDER BY name",
        )?;
        let rows = stmt.query_map([], scenario_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn scenario(&self, name: &str) -> Result<Option<SavedScenario>, StoreError> {
        Ok(self
            .store
            .connection()
            .query_row(
                "SELECT id, name, toml, created_by, created_at FROM plan_scenarios WHERE name = ?1",
                [name],
                scenario_row,
            )
            .optional()?)
    }

    fn queue_run(&mut self, run: &NewPlanRun, max_waiting: u64) -> Result<PlanRun, StoreError> {
        // One statement: the count and the insert are one step.
        let id: Option<i64> = self
            .store
            .connection()
            .query_row(
                "INSERT INTO plan_runs (requested_by, org, requested_at, scenarios, seed, replications, start_date, request, status, done, total)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'queued', 0, ?9
                 WHERE (SELECT COUNT(*) FROM plan_runs WHERE status IN ('queued', 'running')) < ?10
                 RETURNING id",
                params![
                    run.requested_by,
                    run.org,
                    run.requested_at,
                    names_text(&run.scenarios),
                    seed_in(run.seed)?,
                    count_in(run.replications),
                    run.start_date,
                    run.request,
                    count_in(run.total),
                    count_in(max_waiting),
                ],
                |r| r.get(0),
            )
            .optional()?;
        let id = id.ok_or_else(|| StoreError::Conflict(full_message(max_waiting)))?;
        self.run(id)?
            .ok_or_else(|| StoreError::Corrupt("a plan run queued is not there".into()))
    }

    fn runs(&self, limit: u64) -> Result<Vec<PlanRun>, StoreError> {
        let conn = self.store.connection();
        let mut stmt = conn.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM plan_runs ORDER BY id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([count_in(limit)], run_row)?;
        rows.map(|r| checked(r?)).collect()
    }

    fn run(&self, id: i64) -> Result<Option<PlanRun>, StoreError> {
        self.store
            .connection()
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM plan_runs WHERE id = ?1"),
                [id],
                run_row,
            )
            .optional()?
            .map(checked)
            .transpose()
    }

    fn claim_next(&mut self, now: i64) -> Result<Option<PlanRun>, StoreError> {
        let id: Option<i64> = self
            .store
            .connection()
            .query_row(
                "UPDATE plan_runs SET status = 'running', started_at = ?1, heartbeat_at = ?1
                 WHERE id = (SELECT MIN(id) FROM plan_runs WHERE status = 'queued') AND status = 'queued'
                 RETURNING id",
                [now],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => self.run(id),
            None => Ok(None),
        }
    }

    fn set_progress(&mut self, id: i64, done: u64, now: i64) -> Result<(), StoreError> {
        self.store.connection().execute(
            "UPDATE plan_runs SET done = ?2, heartbeat_at = ?3 WHERE id = ?1 AND status = 'running'",
            params![id, count_in(done), now],
        )?;
        Ok(())
    }

    fn heartbeat(&mut self, id: i64, now: i64) -> Result<(), StoreError> {
        self.store.connection().execute(
            "UPDATE plan_runs SET heartbeat_at = ?2 WHERE id = ?1 AND status = 'running'",
            params![id, now],
        )?;
        Ok(())
    }

    fn finish(
        &mut self,
        id: i64,
        now: i64,
        outcome: Result<&PlanResult, &str>,
    ) -> Result<(), StoreError> {
        let conn = self.store.connection();
        match outcome {
            Ok(r) => conn.execute(
                "UPDATE plan_runs SET status = 'done', done = total, finished_at = ?2, result_json = ?3, result_html = ?4, result_csv = ?5
                 WHERE id = ?1 AND status = 'running'",
                params![id, now, r.json, r.html, r.csv],
            )?,
            Err(m) => conn.execute(
                "UPDATE plan_runs SET status = 'failed', finished_at = ?2, message = ?3
                 WHERE id = ?1 AND status = 'running'",
                params![id, now, m],
            )?,
        };
        Ok(())
    }

    fn result(&self, id: i64) -> Result<Option<PlanResult>, StoreError> {
        Ok(self
            .store
            .connection()
            .query_row(
                "SELECT result_json, result_html, result_csv FROM plan_runs
                 WHERE id = ?1 AND status = 'done'",
                [id],
                |r| {
                    Ok(PlanResult {
                        json: r.get(0)?,
                        html: r.get(1)?,
                        csv: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn abandon_running(
        &mut self,
        now: i64,
        quiet_since: i64,
        message: &str,
    ) -> Result<u64, StoreError> {
        Ok(self.store.connection().execute(
            "UPDATE plan_runs SET status = 'failed', finished_at = ?1, message = ?2
             WHERE status = 'running' AND COALESCE(heartbeat_at, started_at, 0) < ?3",
            params![now, message, quiet_since],
        )? as u64)
    }
}
