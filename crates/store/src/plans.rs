//! Plans: scenarios saved from the service's plans page, and the comparisons asked for there,
//! run in the background (queued, running, done or failed, with their progress and result).
//!
//! The store keeps what it is given: a scenario's TOML and a run's request are text the service
//! wrote and checks; the store knows nothing of the twin. Times are seconds since the Unix
//! epoch. Migration 4's tables (`plan_scenarios`, `plan_runs`).

use crate::StoreError;
use std::fmt;

/// A scenario saved from the plans page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedScenario {
    pub id: i64,
    pub name: String,
    /// Its TOML as written (it `extends` a built-in or another saved scenario).
    pub toml: String,
    pub created_by: String,
    pub created_at: i64,
}

/// Where a plan run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Queued => "queued",
            PlanStatus::Running => "running",
            PlanStatus::Done => "done",
            PlanStatus::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<PlanStatus, StoreError> {
        Ok(match s {
            "queued" => PlanStatus::Queued,
            "running" => PlanStatus::Running,
            "done" => PlanStatus::Done,
            "failed" => PlanStatus::Failed,
            other => {
                return Err(StoreError::Corrupt(format!(
                    "a plan run has the status {other:?}"
                )))
            }
        })
    }
}

impl fmt::Display for PlanStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlanRun {
    /// Who asked: user name and organisation.
    pub requested_by: String,
    pub org: String,
    pub requested_at: i64,
    /// The scenarios' names, the first the one the others are compared with.
    pub scenarios: Vec<String>,
    pub seed: u64,
    pub replications: u64,
    /// The date of the state the run starts from (read from the live store), if not the
    /// scenarios' own warm-up.
    pub start_date: Option<String>,
    /// What the runner needs to run it (the service's JSON: each scenario's TOML as run).
    pub request: String,
    /// Replications to run in all (for the progress).
    pub total: u64,
}

/// A queued, running or finished comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRun {
    pub id: i64,
    pub requested_by: String,
    pub org: String,
    pub requested_at: i64,
    pub scenarios: Vec<String>,
    pub seed: u64,
    pub replications: u64,
    pub start_date: Option<String>,
    pub request: String,
    pub status: PlanStatus,
    /// Replications done of [`PlanRun::total`].
    pub done: u64,
    pub total: u64,
    pub started_at: Option<i64>,
    /// When its runner last said it was at it.
    pub heartbeat_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// Why it failed.
    pub message: Option<String>,
}

/// A finished comparison: its figures as JSON, its tables as HTML, its CSV.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanResult {
    pub json: String,
    pub html: String,
    pub csv: String,
}

/// What the store keeps of plans.
pub trait Plans: Send {
    /// Saves a scenario; a name already taken is [`StoreError::Conflict`].
    fn save_scenario(
        &mut self,
        name: &str,
        toml: &str,
        created_by: &str,
        now: i64,
    ) -> Result<SavedScenario, StoreError>;
    /// The saved scenarios, by name.
    fn scenarios(&self) -> Result<Vec<SavedScenario>, StoreError>;
    fn scenario(&self, name: &str) -> Result<Option<SavedScenario>, StoreError>;
    /// Queues a run unless `max_waiting` runs are already queued or running
    /// ([`StoreError::Conflict`]).
    fn queue_run(&mut self, run: &NewPlanRun, max_waiting: u64) -> Result<PlanRun, StoreError>;
    /// The latest `limit` runs, newest first.
    fn runs(&self, limit: u64) -> Result<Vec<PlanRun>, StoreError>;
    fn run(&self, id: i64) -> Result<Option<PlanRun>, StoreError>;
    /// Takes the oldest queued run and marks it running (none: nothing is queued). Two
    /// runners never take the same run.
    fn claim_next(&mut self, now: i64) -> Result<Option<PlanRun>, StoreError>;
    /// Records how many replications a running run has done (its runner is at it).
    fn set_progress(&mut self, id: i64, done: u64, now: i64) -> Result<(), StoreError>;
    /// Records that a running run's runner is still at it.
    fn heartbeat(&mut self, id: i64, now: i64) -> Result<(), StoreError>;
    /// Records a running run's end: its result, or why it failed.
    fn finish(
        &mut self,
        id: i64,
        now: i64,
        outcome: Result<&PlanResult, &str>,
    ) -> Result<(), StoreError>;
    /// A finished run's result.
    fn result(&self, id: i64) -> Result<Option<PlanResult>, StoreError>;
    /// Marks failed, with `message`, every running run whose runner has said nothing since
    /// before `quiet_since` (its service stopped: it will never finish); how many.
    fn abandon_running(
        &mut self,
        now: i64,
        quiet_since: i64,
        message: &str,
    ) -> Result<u64, StoreError>;
}

pub(crate) fn names_text(names: &[String]) -> String {
    names.join("\n")
}

pub(crate) fn names_of(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

pub(crate) fn seed_in(seed: u64) -> Result<i64, StoreError> {
    i64::try_from(seed)
        .map_err(|_| StoreError::Conflict(format!("the seed {seed} is above {}", i64::MAX)))
}

pub(crate) fn count_in(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn full_message(max_waiting: u64) -> String {
    format!(
        "{max_waiting} comparisons are already waiting or running: wait for one to finish, then start this one"
    )
}

pub(crate) const RUN_COLUMNS: &str = "id, requested_by, org, requested_at, scenarios, seed, replications, start_date, request, status, done, total, started_at, heartbeat_at, finished_at, message";
