//! `joinedup audit`: checking and listing the hash-chained audit log.

use super::InvalidInput;
use crate::cli::{AuditAction, AuditArgs, AuditFormat};
use store::{Access, AuditFilter, StoreError};

pub fn run(a: AuditArgs) -> anyhow::Result<()> {
    super::readable_store(&a.db)?;
    let log = store::open_audit_with(&a.db, Access::Read)?;
    match a.action {
        AuditAction::Verify => match log.verify() {
            Ok(v) => {
                let entries = if v.entries == 1 { "entry" } else { "entries" };
                outln!("the audit chain of {} {entries} verifies", v.entries)?;
            }
            Err(StoreError::AuditChain(b)) => {
                return Err(InvalidInput(format!(
                    "error: the audit chain of {} does not verify: {b}",
                    a.db
                ))
                .into())
            }
            Err(e) => return Err(e.into()),
        },
        AuditAction::List {
            user,
            person,
            action,
            from,
            to,
            limit,
            format,
        } => {
            let zone = domain::Zone::default();
            let secs = |d: chrono::NaiveDate| zone.midnight(d).0.div_euclid(1_000_000_000);
            let filter = AuditFilter {
                username: user,
                person,
                action,
                from: from.map(secs),
                until: to.and_then(|d| d.succ_opt()).map(secs),
                limit,
                looks_only: false,
                after_seq: None,
            };
            let entries = log.entries(&filter)?;
            for s in &entries {
                let e = &s.entry;
                let at = chrono::DateTime::from_timestamp(e.at, 0)
                    .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_else(|| e.at.to_string());
                match format {
                    AuditFormat::Tsv => {
                        let clean =
                            |s: Option<&str>| s.unwrap_or("").replace(['\t', '\n', '\r'], " ");
                        outln!(
                            "{}\t{at}\t{}\t{}\t{}\t{}\t{}\t{}",
                            s.seq,
                            clean(Some(&e.username)),
                            clean(Some(&e.org)),
                            e.action,
                            clean(e.person.as_deref()),
                            clean(e.reason.as_deref()),
                            clean(e.client.as_deref()),
                        )?
                    }
                    AuditFormat::Json => outln!(
                        "{}",
                        serde_json::json!({
                            "seq": s.seq,
                            "at": at,
                            "username": e.username,
                            "org": e.org,
                            "action": e.action.as_str(),
                            "person": e.person,
                            "reason": e.reason,
                            "client": e.client,
                            "hash": store::audit::hash_hex(&s.hash),
                        })
                    )?,
                }
            }
        }
    }
    Ok(())
}
