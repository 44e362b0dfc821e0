//! Where a store is: an SQLite file or a PostgreSQL database, and opening either.

use crate::{
    Access, Accounts, JourneyStore, PgAccounts, PgStore, SqliteAccounts, SqliteStore, StoreError,
};
use std::fmt;
use std::path::PathBuf;

/// Where a store is, as given to `--db`: a file path, or a `postgres://` (`postgresql://`) URL.
///
/// Shown (`Display`) with a URL's password masked: never print the URL itself.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL is a PostgreSQL database, checked to be a valid
    /// connection URL; any other `scheme://` is refused; anything else is a file path.
    pub fn parse(s: &str) -> Result<Location, StoreError> {
        if s.is_empty() {
            return Err(StoreError::BadLocation(
                "no store given: a file path or a postgres:// URL".into(),
            ));
        }
        if let Some((scheme, _)) = s.split_once("://") {
            if scheme == "postgres" || scheme == "postgresql" {
                s.parse::<postgres::Config>().map_err(|e| {
                    StoreError::BadLocation(format!(
                        "{}: not a valid PostgreSQL URL: {e}",
                        mask_password(s)
                    ))
                })?;
                return Ok(Location::Postgres(s.to_string()));
            }
            let looks_like_scheme = !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
            if looks_like_scheme {
                return Err(StoreError::BadLocation(format!(
                    "{}: unsupported kind of store: give a file path (SQLite) or a postgres:// URL",
                    mask_password(s)
                )));
            }
        }
        Ok(Location::Sqlite(PathBuf::from(s)))
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Location::Sqlite(_) => "sqlite",
            Location::Postgres(_) => "postgres",
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => f.write_str(&mask_password(url)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            Location::Postgres(_) => f.debug_tuple("Postgres").field(&self.to_string()).finish(),
        }
    }
}

impl std::str::FromStr for Location {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Location::parse(s)
    }
}

/// `url` with the password of its user info (`user:PASSWORD@`) and of a `password=` query
/// parameter replaced by `***`.
pub fn mask_password(url: &str) -> String {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = url[..start].to_string();
    match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            match userinfo.find(':') {
                Some(colon) => {
                    out.push_str(&userinfo[..colon]);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push_str(&authority[at..]);
        }
        None => out.push_str(authority),
    }
    let tail = &rest[authority_end..];
    match tail.split_once('?') {
        Some((path, query)) => {
            out.push_str(path);
            out.push('?');
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => p.to_string(),
                })
                .collect();
            out.push_str(&params.join("&"));
        }
        None => out.push_str(tail),
    }
    out
}

/// Opens the store at `location` (see [`SqliteStore::open_with`] and [`PgStore::open`]).
pub fn open(
    location: &Location,
    access: Access,
) -> Result<Box<dyn JourneyStore + Send>, StoreError> {
    Ok(match location {
        Location::Sqlite(path) => Box::new(SqliteStore::open_with(path, access)?),
        Location::Postgres(url) => Box::new(PgStore::open(url, access)?),
    })
}

/// Opens the accounts (users, sessions, failed sign-ins) of the store at `location`, on a
/// connection of their own. The store must exist and hold joinedup's schema (an older one is
/// migrated, as [`Access::Write`] does): opening for accounts never creates a store
/// ([`StoreError::NotFound`], [`StoreError::NotAStore`]).
pub fn open_accounts(location: &Location) -> Result<Box<dyn Accounts>, StoreError> {
    Ok(match location {
        Location::Sqlite(path) => Box::new(SqliteAccounts::open(path)?),
        Location::Postgres(url) => Box::new(PgAccounts::open(url)?),
    })
}

/// Opens the plans (saved scenarios, comparisons run in the background) of the store at
/// `location`, on a connection of their own; like [`open_accounts`], never creates a store.
pub fn open_plans(location: &Location) -> Result<Box<dyn crate::Plans>, StoreError> {
    Ok(match location {
        Location::Sqlite(path) => Box::new(crate::SqlitePlans::open(path)?),
        Location::Postgres(url) => Box::new(crate::PgPlans::open(url)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_urls() {
        assert_eq!(
            Location::parse("store.db").unwrap(),
            Location::Sqlite("store.db".into())
        );
        assert_eq!(
            Location::parse("/a/b c/store.db").unwrap(),
            Location::Sqlite("/a/b c/store.db".into())
        );
        for url in [
            "postgres://u:p@localhost:5432/db",
            "postgresql://localhost/db",
            "postgres:///db?host=/tmp/sock",
        ] {
            let l = Location::parse(url).unwrap();
            assert_eq!(l.kind(), "postgres", "{url}");
        }
        assert_eq!(Location::parse("store.db").unwrap().kind(), "sqlite");
    }

    #[test]
    fn other_schemes_and_bad_urls_are_refused_without_the_password() {
        let e = Location::parse("mysql://u:secret@host/db").unwrap_err();
        assert!(e.to_string().contains("unsupported"), "{e}");
        assert!(!e.to_string().contains("secret"), "{e}");
        let e = Location::parse("postgres://u:secret@host:notaport/db").unwrap_err();
        assert!(!e.to_string().contains("secret"), "{e}");
        assert!(e.to_string().contains("not a valid PostgreSQL URL"), "{e}");
        assert!(Location::parse("").is_err());
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            mask_password("postgres://joe:s3cr%40t@db.example:5432/care?sslmode=disable"),
            "postgres://joe:***@db.example:5432/care?sslmode=disable"
        );
        assert_eq!(
            mask_password("postgresql://joe@localhost/care?password=s3cret&user=joe"),
            "postgresql://joe@localhost/care?password=***&user=joe"
        );
        assert_eq!(
            mask_password("postgres://localhost/care"),
            "postgres://localhost/care"
        );
        let l = Location::parse("postgres://joe:hunter2@localhost/care").unwrap();
        assert_eq!(l.to_string(), "postgres://joe:***@localhost/care");
        assert!(!format!("{l:?}").contains("hunter2"));
    }
}
