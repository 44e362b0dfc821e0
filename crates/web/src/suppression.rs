//! Small numbers in breakdowns below the whole system, shown as `access.md` ("Aggregates") says:
//! the rules are the `access` crate's, which breakdowns are by organisation the indicator
//! catalogue's; this module applies them to what the pages and the API show.

use indicators::IndicatorValue;
use serde_json::{json, Value};

/// A count of a breakdown below the whole system: `<5` for 1 to 4.
pub fn count_json(n: u64) -> Value {
    if access::suppressed(n) {
        json!({ "count": null, "shown": "<5", "suppressed": true })
    } else {
        json!({ "count": n, "shown": n.to_string(), "suppressed": false })
    }
}

/// Whether the value of `i` is withheld: a breakdown by organisation on a count of 1 to 4.
pub fn withheld(i: &IndicatorValue) -> bool {
    indicators::catalogue::by_organisation(&i.id)
        && access::rate_withheld(i.numerator, i.denominator)
}

/// Withholds, in the JSON of `metrics` (one period or `{"periods": [...]}`), the values of
/// breakdowns by organisation on counts of 1 to 4: value, numerator and denominator `null`,
/// `"suppressed": true`.
pub fn withhold_in_json(v: &mut Value) {
    let reports: Vec<&mut Value> = match v.get_mut("periods").and_then(Value::as_array_mut) {
        Some(periods) => periods.iter_mut().collect(),
        None => vec![v],
    };
    for r in reports {
        let Some(list) = r.get_mut("indicators").and_then(Value::as_array_mut) else {
            continue;
        };
        for i in list {
            let id = i.get("id").and_then(Value::as_str).unwrap_or("");
            if !indicators::catalogue::by_organisation(id) {
                continue;
            }
            let numerator = i.get("numerator").and_then(Value::as_f64).unwrap_or(0.0);
            let denominator = i.get("denominator").and_then(Value::as_f64);
            if access::rate_withheld(numerator, denominator) {
                i["value"] = Value::Null;
                i["numerator"] = Value::Null;
                i["denominator"] = Value::Null;
                i["suppressed"] = json!(true);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_bed_day_counts_by_trust_are_withheld_and_the_whole_system_is_not() {
        let mut v = json!({"periods": [{"indicators": [
            {"id": "bed_occupancy_pct", "value": 50.0, "numerator": 3.0, "denominator": 6.0},
            {"id": "bed_occupancy_pct:RJE", "value": 50.0, "numerator": 3.0, "denominator": 6.0},
            {"id": "bed_occupancy_pct:RLA", "value": 90.0, "numerator": 900.0, "denominator": 1000.0},
            {"id": "dtoc_delayed_days_per_100k:housing", "value": 1.0, "numerator": 2.0, "denominator": 200000.0},
        ]}]});
        withhold_in_json(&mut v);
        let list = &v["periods"][0]["indicators"];
        assert_eq!(list[0]["value"], json!(50.0), "the whole system is shown");
        assert_eq!(list[1]["value"], Value::Null);
        assert_eq!(list[1]["numerator"], Value::Null);
        assert_eq!(list[1]["suppressed"], json!(true));
        assert_eq!(list[2]["value"], json!(90.0));
        assert!(list[2].get("suppressed").is_none());
        assert_eq!(
            list[3]["value"],
            json!(1.0),
            "a breakdown by reason is of the whole system"
        );
    }
}
