//! Reading and writing the registers beside the log: `orgs.csv` and `population.csv`.

use crate::error::{LogError, LogErrors};
use domain::codes::{CqcRating, OrgKind};
use domain::{AgeBand, Org, OrgRegister, Population};
use std::io::{Read, Write};
use std::path::Path;

pub const ORGS_HEADER: [&str; 6] = [
    "code",
    "name",
    "kind",
    "cqc_rating",
    "beds",
    "extended_access",
];
pub const POPULATION_HEADER: [&str; 2] = ["band", "count"];

/// Which register a CSV file holds, judged by its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterKind {
    Orgs,
    Population,
}

/// Reads the header of a CSV file and tells which register it is, if any.
pub fn register_kind(path: &Path) -> std::io::Result<Option<RegisterKind>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)?;
    let Some(Ok(first)) = r.records().next() else {
        return Ok(None);
    };
    let cells: Vec<&str> = first.iter().map(str::trim).collect();
    Ok(if cells == ORGS_HEADER {
        Some(RegisterKind::Orgs)
    } else if cells == POPULATION_HEADER {
        Some(RegisterKind::Population)
    } else {
        None
    })
}

fn records(
    source: &str,
    input: impl Read,
    header: &[&str],
    errors: &mut LogErrors,
) -> Vec<(u32, csv::StringRecord)> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut out = Vec::new();
    let mut rows = r.records();
    match rows.next() {
        Some(Ok(h)) if h.iter().map(str::trim).eq(header.iter().copied()) => {}
        Some(Ok(h)) => {
            errors.push(LogError::at(
                source,
                1,
                None,
                format!(
                    "the header must be `{}`, got `{}`",
                    header.join(","),
                    h.iter().collect::<Vec<_>>().join(",")
                ),
            ));
            return out;
        }
        Some(Err(e)) => {
            errors.push(LogError::at(source, 1, None, format!("not CSV: {e}")));
            return out;
        }
        None => {
            errors.push(LogError::at(
                source,
                1,
                None,
                format!("empty file: the header `{}` is missing", header.join(",")),
            ));
            return out;
        }
    }
    for row in rows {
        match row {
            Ok(rec) => {
                let line = rec.position().map(|p| p.line() as u32).unwrap_or(0);
                if rec.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if rec.len() != header.len() {
                    errors.push(LogError::at(
                        source,
                        line,
                        None,
                        format!("expected {} columns, got {}", header.len(), rec.len()),
                    ));
                    continue;
                }
                out.push((line, rec));
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as u32).unwrap_or(0);
                errors.push(LogError::at(source, line, None, format!("not CSV: {e}")));
            }
        }
    }
    out
}

/// Reads `orgs.csv`. `source` names the file in errors.
pub fn read_orgs(source: &str, input: impl Read) -> Result<OrgRegister, LogErrors> {
    let mut errors = LogErrors::default();
    let mut register = OrgRegister::default();
    let mut first_line = std::collections::HashMap::new();
    for (line, rec) in records(source, input, &ORGS_HEADER, &mut errors) {
        let cell = |i: usize| rec.get(i).unwrap_or("").trim();
        let mut bad =
            |field: &str, msg: String| errors.push(LogError::at(source, line, Some(field), msg));
        let code = cell(0);
        if code.is_empty() {
            bad("code", "missing organisation code".into());
        } else if let Some(first) = first_line.insert(code.to_string(), line) {
            bad(
                "code",
                format!("organisation {code:?} is already on line {first}"),
            );
        }
        let kind = OrgKind::parse(cell(2))
            .map_err(|e| bad("kind", e.to_string()))
            .ok();
        let cqc_rating = match cell(3) {
            "" => Some(None),
            s => CqcRating::parse(s)
                .map(Some)
                .map_err(|e| bad("cqc_rating", e.to_string()))
                .ok(),
        };
        let beds = match cell(4) {
            "" => Some(None),
            s => s
                .parse::<u32>()
                .map(Some)
                .map_err(|_| {
                    bad(
                        "beds",
                        format!("expected a whole number of beds, 0 or more, got {s:?}"),
                    )
                })
                .ok(),
        };
        let extended_access = match cell(5) {
            "" => Some(None),
            "true" => Some(Some(true)),
            "false" => Some(Some(false)),
            s => {
                bad(
                    "extended_access",
                    format!("expected true, false or empty, got {s:?}"),
                );
                None
            }
        };
        if let (Some(kind), Some(cqc_rating), Some(beds), Some(extended_access)) =
            (kind, cqc_rating, beds, extended_access)
        {
            register.upsert(Org {
                code: code.to_string(),
                name: cell(1).to_string(),
                kind,
                cqc_rating,
                beds,
                extended_access,
            });
        }
    }
    errors.into_result(register)
}

/// Reads `population.csv`: every band once.
pub fn read_population(source: &str, input: impl Read) -> Result<Population, LogErrors> {
    let mut errors = LogErrors::default();
    let mut pop = Population::default();
    let mut seen: Vec<(AgeBand, u32)> = Vec::new();
    let mut last_line = 1;
    for (line, rec) in records(source, input, &POPULATION_HEADER, &mut errors) {
        last_line = line;
        let band = rec.get(0).unwrap_or("").trim();
        let count = rec.get(1).unwrap_or("").trim();
        let band = match AgeBand::parse(band) {
            Some(b) => b,
            None => {
                errors.push(LogError::at(
                    source,
                    line,
                    Some("band"),
                    format!(
                    "unknown age band {band:?} (expected one of: 0-17, 18-64, 65-74, 75-84, 85+)"
                ),
                ));
                continue;
            }
        };
        if let Some((_, first)) = seen.iter().find(|(b, _)| *b == band) {
            errors.push(LogError::at(
                source,
                line,
                Some("band"),
                format!("band {} is already on line {first}", band.as_str()),
            ));
            continue;
        }
        seen.push((band, line));
        match count.parse::<u64>() {
            Ok(c) => pop.set(band, c),
            Err(_) => errors.push(LogError::at(
                source,
                line,
                Some("count"),
                format!("expected a whole number of people, 0 or more, got {count:?}"),
            )),
        }
    }
    if errors.is_empty() {
        for band in AgeBand::ALL {
            if !seen.iter().any(|(b, _)| *b == band) {
                errors.push(LogError::at(
                    source,
                    last_line,
                    Some("band"),
                    format!("band {} is missing", band.as_str()),
                ));
            }
        }
    }
    errors.into_result(pop)
}

/// Reads a register file from disk.
pub fn read_orgs_file(path: &Path) -> Result<OrgRegister, LogErrors> {
    let name = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| LogErrors::io(&name, e))?;
    read_orgs(&name, f)
}

/// Reads a population file from disk.
pub fn read_population_file(path: &Path) -> Result<Population, LogErrors> {
    let name = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|e| LogErrors::io(&name, e))?;
    read_population(&name, f)
}

/// Writes `orgs.csv`.
pub fn write_orgs(out: impl Write, orgs: &OrgRegister) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ORGS_HEADER)?;
    for o in orgs.iter() {
        w.write_record([
            o.code.as_str(),
            o.name.as_str(),
            o.kind.as_str(),
            o.cqc_rating.map(|r| r.as_str()).unwrap_or(""),
            &o.beds.map(|b| b.to_string()).unwrap_or_default(),
            o.extended_access
                .map(|b| if b { "true" } else { "false" })
                .unwrap_or(""),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `population.csv`.
pub fn write_population(out: impl Write, pop: &Population) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(POPULATION_HEADER)?;
    for b in AgeBand::ALL {
        w.write_record([b.as_str(), &pop.count(b).to_string()])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_orgs_and_names_bad_cells() {
        let ok = "code,name,kind,cqc_rating,beds,extended_access\nRJE,UHNM,acute_trust,requires_improvement,1000,\nM83001,Surgery,gp_practice,good,,true\n";
        let r = read_orgs("orgs.csv", ok.as_bytes()).unwrap();
        assert_eq!(r.get("RJE").unwrap().beds, Some(1000));
        assert_eq!(r.get("M83001").unwrap().extended_access, Some(true));

        let bad = "code,name,kind,cqc_rating,beds,extended_access\nRJE,UHNM,hospital,great,-3,yes\nRJE,Again,gp_practice,,,\n";
        let e = read_orgs("orgs.csv", bad.as_bytes()).unwrap_err();
        let s: Vec<String> = e.errors.iter().map(|e| e.to_string()).collect();
        assert!(s[0].starts_with("orgs.csv:2: field `kind`"), "{s:?}");
        assert!(s[1].starts_with("orgs.csv:2: field `cqc_rating`"));
        assert!(s[2].starts_with("orgs.csv:2: field `beds`"));
        assert!(s[3].starts_with("orgs.csv:2: field `extended_access`"));
        assert!(s[4].starts_with("orgs.csv:3: field `code`"));
    }

    #[test]
    fn population_needs_every_band_once() {
        let ok = "band,count\n0-17,1\n18-64,2\n65-74,3\n75-84,4\n85+,5\n";
        assert_eq!(read_population("p", ok.as_bytes()).unwrap().pop65(), 12);
        let missing = "band,count\n0-17,1\n18-64,2\n65-74,3\n75-84,4\n";
        let e = read_population("p", missing.as_bytes()).unwrap_err();
        assert!(e.errors[0].to_string().contains("band 85+ is missing"));
        let bad = "band,count\n0-17,x\n90+,2\n";
        let e = read_population("p", bad.as_bytes()).unwrap_err();
        assert!(e.errors[0].to_string().starts_with("p:2: field `count`"));
        assert!(e.errors[1].to_string().starts_with("p:3: field `band`"));
    }

    #[test]
    fn registers_round_trip() {
        let ok = "code,name,kind,cqc_rating,beds,extended_access\nRJE,\"UHNM, Royal Stoke\",acute_trust,requires_improvement,1000,\n";
        let r = read_orgs("o", ok.as_bytes()).unwrap();
        let mut out = Vec::new();
        write_orgs(&mut out, &r).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), ok);
    }
}
