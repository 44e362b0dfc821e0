//! Plain names for the pages: every indicator and breakdown id in words (the catalogue's title,
//! a breakdown's key as people say it), its unit in words, and which way is better.

use domain::codes::{Cause, DelayReason};
use indicators::catalogue::definition;
use indicators::{Better, Unit};

/// A breakdown key in words: a delay reason by its NHS letter and meaning, a responsible side,
/// a cause of admission, a trust by its code.
fn key_words(parent: &str, key: &str) -> String {
    if parent == "dtoc_delayed_days_per_100k" {
        if key == "unrecorded" {
            return "delay reason not recorded".into();
        }
        if let Ok(r) = DelayReason::parse(key) {
            return format!("waiting for {} (reason {})", r.meaning(), r.letter());
        }
    }
    if parent.ends_with("_by_responsible") {
        return match key {
            "nhs" => "responsible: the NHS".into(),
            "social_care" => "responsible: social care".into(),
            "both" => "responsible: both the NHS and social care".into(),
            "unrecorded" => "responsible organisation not recorded".into(),
            k => format!("responsible: {}", k.replace('_', " ")),
        };
    }
    if parent.starts_with("care_home_admissions") {
        if let Ok(c) = Cause::parse(key) {
            return match c {
                Cause::FallInjury => "cause: a fall or injury".into(),
                Cause::Pneumonia => "cause: pneumonia".into(),
                Cause::Uti => "cause: a urinary tract infection".into(),
                Cause::Dementia => "cause: dementia".into(),
                Cause::Other => "cause: any other".into(),
            };
        }
    }
    if parent == "bed_occupancy_pct" {
        return format!("at the trust {key}");
    }
    key.replace('_', " ")
}

/// An indicator or breakdown id in words: `dtoc_delayed_days_per_100k:care_package_home` is
/// "waiting for care package in own home (reason E)"; an id the catalogue does not know keeps
/// its id, underscores as spaces.
pub fn name(id: &str) -> String {
    match id.split_once(':') {
        Some((parent, key)) => key_words(parent, key),
        None => definition(id)
            .map(|d| d.title.to_string())
            .unwrap_or_else(|| id.replace('_', " ")),
    }
}

/// A unit in words.
pub fn unit(u: Unit) -> &'static str {
    match u {
        Unit::Percent => "%",
        Unit::PerDayPer100k => "a day per 100,000",
        Unit::PerYearPer100k => "a year per 100,000",
        Unit::PerYearPer1k => "a year per 1,000",
        Unit::Count => "number",
    }
}

/// Which way is better, by symbol and words ("context" when neither is).
pub fn better(id: &str) -> String {
    match definition(id).map(|d| d.better) {
        Some(Better::Lower) => "&#8595; lower is better".into(),
        Some(Better::Higher) => "&#8593; higher is better".into(),
        Some(Better::AtMost(x)) => format!("at most {x}% is better"),
        Some(Better::Neither) | None => "context: neither way is better".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_gets_a_plain_name() {
        for (id, words) in [
            (
                "dtoc_delayed_days_per_100k",
                "Delayed transfers of care: delayed days per 100,000 adults",
            ),
            (
                "dtoc_delayed_days_per_100k:care_package_home",
                "waiting for care package in own home (reason E)",
            ),
            (
                "dtoc_delayed_days_per_100k:unrecorded",
                "delay reason not recorded",
            ),
            (
                "dtoc_delayed_days_per_100k_by_responsible:social_care",
                "responsible: social care",
            ),
            (
                "care_home_admissions_65_per_100k:fall_injury",
                "cause: a fall or injury",
            ),
            ("bed_occupancy_pct:RJE", "at the trust RJE"),
            ("ae_4h_pct", "A&E: left within four hours of arrival"),
            ("not_in_the_catalogue", "not in the catalogue"),
        ] {
            assert_eq!(name(id), words, "{id}");
        }
        // No breakdown key of the catalogue is left as a code.
        for key in indicators::catalogue::delay_reason_keys() {
            assert!(!name(&format!("dtoc_delayed_days_per_100k:{key}")).contains('_'));
        }
        for key in indicators::catalogue::cause_keys() {
            assert!(!name(&format!("care_home_admissions_65_per_100k:{key}")).contains('_'));
        }
    }

    #[test]
    fn direction_in_words() {
        assert!(better("dtoc_delayed_days_per_100k:assessment").contains("lower is better"));
        assert!(better("ae_4h_pct").contains("higher is better"));
        assert!(better("bed_occupancy_pct").contains("at most 85% is better"));
    }
}
