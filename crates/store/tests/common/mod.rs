//! What the store's two-back-end test files share: a fresh store on SQLite or on PostgreSQL,
//! and `on_both!`, which makes each behaviour two tests, `<behaviour>::sqlite` and
//! `<behaviour>::postgres` (the PostgreSQL one needs `JOINEDUP_TEST_DATABASE_URL`; without it it
//! prints a notice and skips). Each file says what a behaviour is given with its own `run`.

use store::testing::{fresh_postgres, PgTestDatabase};
use store::Location;

/// A fresh store on one back end, kept while it is used.
pub struct Fresh {
    _dir: Option<tempfile::TempDir>,
    _db: Option<PgTestDatabase>,
}

pub fn sqlite() -> (Location, Fresh) {
    let dir = tempfile::tempdir().unwrap();
    (
        Location::Sqlite(dir.path().join("store.db")),
        Fresh {
            _dir: Some(dir),
            _db: None,
        },
    )
}

pub fn postgres() -> Option<(Location, Fresh)> {
    let (url, db) = fresh_postgres()?;
    Some((
        Location::parse(&url).unwrap(),
        Fresh {
            _dir: None,
            _db: Some(db),
        },
    ))
}

/// Two tests per behaviour, each calling the file's `run(location, fresh, behaviour)`.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                let (l, f) = $crate::common::sqlite();
                super::run(l, f, super::$name);
            }
            #[test]
            fn postgres() {
                if let Some((l, f)) = $crate::common::postgres() {
                    super::run(l, f, super::$name);
                }
            }
        }
    )*};
}
