//! `joinedup users`: the platform's users, for administrators.

use super::InvalidInput;
use crate::cli::{UsersAction, UsersArgs};
use std::io::BufRead as _;
use store::{Access, Accounts, NewUser};

pub fn run(a: UsersArgs) -> anyhow::Result<()> {
    super::readable_store(&a.db)?;
    let mut accounts = store::open_accounts(&a.db)?;
    match a.action {
        UsersAction::Add {
            username,
            org,
            roles,
        } => {
            let valid_name = !username.is_empty()
                && username.len() <= 64
                && username
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b));
            if !valid_name {
                return Err(InvalidInput(format!(
                    "error: user name {username:?}: 1 to 64 letters, digits, '.', '_', '-' or '@'"
                ))
                .into());
            }
            let roles = access::parse_roles(&roles)
                .map_err(|e| InvalidInput(format!("error: --roles: {e}")))?;
            let orgs = store::open(&a.db, Access::Read)?.orgs()?;
            if orgs.get(&org).is_none() {
                return Err(InvalidInput(format!(
                    "error: --org: {org:?} is not in the organisations register of {}",
                    a.db
                ))
                .into());
            }
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\n', '\r']);
            if password.chars().count() < 8 {
                return Err(InvalidInput(
                    "error: the password (read from standard input) must have at least 8 characters"
                        .into(),
                )
                .into());
            }
            let hash =
                web::hash_password(password).map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            let u = accounts
                .add_user(
                    &NewUser {
                        username,
                        org,
                        roles: roles.iter().map(|r| r.to_string()).collect(),
                        password_hash: hash,
                    },
                    chrono::Utc::now().timestamp(),
                )
                .map_err(|e| match e {
                    store::StoreError::Conflict(m) => InvalidInput(format!("error: {m}")).into(),
                    e => anyhow::Error::from(e),
                })?;
            eprintln!("added {} ({}, {})", u.username, u.org, u.roles.join(", "));
        }
        UsersAction::List => {
            for u in accounts.users()? {
                outln!(
                    "{}\t{}\t{}{}",
                    u.username,
                    u.org,
                    u.roles.join(","),
                    if u.disabled { "\tdisabled" } else { "" }
                )?;
            }
        }
        UsersAction::Disable { username } => set_disabled(accounts.as_mut(), &username, true)?,
        UsersAction::Enable { username } => set_disabled(accounts.as_mut(), &username, false)?,
    }
    Ok(())
}

fn set_disabled(accounts: &mut dyn Accounts, username: &str, disabled: bool) -> anyhow::Result<()> {
    if !accounts.set_disabled(username, disabled)? {
        return Err(InvalidInput(format!("error: there is no user {username:?}")).into());
    }
    eprintln!(
        "{username} is {}",
        if disabled {
            "disabled; their sessions have ended"
        } else {
            "enabled"
        }
    );
    Ok(())
}
