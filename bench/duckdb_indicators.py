#!/usr/bin/env python3
"""Three indicators of docs/indicators.md computed purely in DuckDB SQL over the journey log.

An independent reference for `joinedup metrics` (and the baseline of bench/metrics_vs_duckdb.sh):

    python3 bench/duckdb_indicators.py --events events.jsonl --population population.csv \
        --from 2016-10-01 --to 2017-10-01

prints one JSON object:

    {"dtoc_delayed_days_per_100k": x, "ae_4h_pct": y, "readmission_30d_pct_65": z, "seconds": s}

`seconds` is the wall time of all the queries, reading the file included. A value whose
denominator is zero is null, as the spec says.

How the definitions are read (docs/journey-log.md, docs/indicators.md):
- Instants are kept as exact integer nanoseconds since the epoch (the engine's resolution):
  `at` is parsed as an RFC 3339 instant (`Z` or an offset; `t`/`z` in either case; any number of
  fractional digits, of which the first 9 count; a leap second :60 is second 59 plus one
  second, as chrono reads it). DuckDB's own timestamp cast keeps only microseconds, so the
  fraction is parsed separately.
- Days, midnights and ages are in Europe/London (ICU, `SET TimeZone`).
- "In the period": local midnight of `from` <= at < local midnight of `to`.
- A person's age on a local date is their completed years (a 29 February birthday is reached on
  1 March) from the birth_date of their LATEST person_registered by `at`; a person with no
  registration counts in no age-restricted indicator.
- A spell's person is the person of its `admission` (as for attendances: of the `ae_arrival`).
  NHS numbers are compared without spaces.
- Each lifecycle step happens once, so a line repeated verbatim (a duplicate event, a no-op on
  import) is counted once: spells and attendances are grouped by their id.
"""

import argparse
import json
import sys
import time

import duckdb

ZONE = "Europe/London"
NANOS_PER_HOUR = 3_600 * 1_000_000_000
NANOS_PER_DAY = 24 * NANOS_PER_HOUR

# The columns read; every other field of a line is ignored.
COLUMNS = {
    "kind": "VARCHAR",
    "at": "VARCHAR",
    "person": "VARCHAR",
    "birth_date": "VARCHAR",
    "spell": "VARCHAR",
    "attendance": "VARCHAR",
    "method": "VARCHAR",
    "destination": "VARCHAR",
}

KINDS = (
    "person_registered",
    "admission",
    "ready_for_discharge",
    "discharge",
    "ae_arrival",
    "ae_departure",
)


def sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def build_sql(events: str, population: str, date_from: str, date_to: str) -> list[str]:
    cols = "{" + ", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in COLUMNS.items()) + "}"
    kinds = ", ".join(sql_str(k) for k in KINDS)
    f, t = sql_str(date_from), sql_str(date_to)
    z = sql_str(ZONE)
    return [
        # Completed years on local date d of someone born on b.
        """CREATE OR REPLACE TEMP MACRO age_on(b, d) AS
             year(d) - year(b)
             - CASE WHEN month(d) * 100 + day(d) < month(b) * 100 + day(b) THEN 1 ELSE 0 END""",
        # The period: local midnights of from and to, as nanoseconds.
        f"""CREATE OR REPLACE TEMP TABLE period AS
            SELECT epoch_us(timezone({z}, CAST({f} AS DATE)::TIMESTAMP)) * 1000 AS start_ns,
                   epoch_us(timezone({z}, CAST({t} AS DATE)::TIMESTAMP)) * 1000 AS end_ns,
                   date_diff('day', CAST({f} AS DATE), CAST({t} AS DATE)) AS days""",
        # The period's midnights: 00:00 local of each of its D days.
        f"""CREATE OR REPLACE TEMP TABLE midnights AS
            SELECT CAST(d AS DATE) AS day,
                   epoch_us(timezone({z}, CAST(d AS DATE)::TIMESTAMP)) * 1000 AS ns
            FROM range(CAST({f} AS DATE)::TIMESTAMP, CAST({t} AS DATE)::TIMESTAMP,
                       INTERVAL 1 DAY) r(d)""",
        # The events the three indicators need, with exact instants.
        f"""CREATE OR REPLACE TEMP TABLE ev AS
            WITH raw AS (
                SELECT kind, upper(trim("at")) AS a,
                       replace(person, ' ', '') AS person,
                       birth_date, spell, attendance, method, destination
                FROM read_json({sql_str(events)}, format = 'newline_delimited',
                               columns = {cols})
                WHERE kind IN ({kinds})
            ), split AS (
                SELECT *,
                       CASE WHEN contains(a, '.') THEN regexp_replace(a, '\\.[0-9]+', '')
                            ELSE a END AS whole,
                       CASE WHEN contains(a, '.') THEN regexp_extract(a, '\\.([0-9]+)', 1)
                            END AS frac
                FROM raw
            ), leap AS (
                SELECT *, substr(whole, 18, 2) = '60' AS is_leap FROM split
            ), inst AS (
                SELECT *,
                       CAST(CASE WHEN is_leap
                                 THEN substr(whole, 1, 17) || '59' || substr(whole, 20)
                                 ELSE whole END AS TIMESTAMPTZ) AS sec
                FROM leap
            )
            SELECT kind, person, spell, attendance, method, destination,
                   CASE WHEN kind = 'person_registered' THEN CAST(birth_date AS DATE) END
                       AS birth_date,
                   epoch_us(sec) * 1000
                   + CASE WHEN is_leap THEN 1000000000 ELSE 0 END
                   + coalesce(CAST(rpad(left(frac, 9), 9, '0') AS BIGINT), 0) AS at_ns,
                   -- the local date (of the second, as chrono dates a leap second)
                   CASE WHEN kind = 'discharge' THEN CAST(sec AS DATE) END AS local_date
            FROM inst""",
        # Each person's birth date from their latest registration.
        """CREATE OR REPLACE TEMP TABLE births AS
            SELECT person, arg_max(birth_date, at_ns) AS birth
            FROM ev WHERE kind = 'person_registered' GROUP BY person""",
        # One row per spell.
        """CREATE OR REPLACE TEMP TABLE spells AS
            SELECT spell,
                   any_value(person) FILTER (WHERE kind = 'admission') AS person,
                   any_value(method) FILTER (WHERE kind = 'admission') AS method,
                   min(at_ns) FILTER (WHERE kind = 'admission') AS adm_ns,
                   min(at_ns) FILTER (WHERE kind = 'ready_for_discharge') AS ready_ns,
                   min(at_ns) FILTER (WHERE kind = 'discharge') AS dis_ns,
                   min(local_date) FILTER (WHERE kind = 'discharge') AS dis_date,
                   any_value(destination) FILTER (WHERE kind = 'discharge') AS destination
            FROM ev
            WHERE kind IN ('admission', 'ready_for_discharge', 'discharge')
            GROUP BY spell""",
    ], [
        # Delayed days of adults: midnights m of the period with ready < m <= discharge (no
        # discharge: every later midnight), the person 18+ on m's local date.
        """SELECT count(*)
           FROM spells s
           JOIN births b ON b.person = s.person
           JOIN midnights m
             ON s.ready_ns < m.ns AND m.ns <= coalesce(s.dis_ns, 9223372036854775807)
           , period p
           WHERE s.ready_ns IS NOT NULL AND age_on(b.birth, m.day) >= 18
             -- (spells delayed at none of the period's midnights, skipped early)
             AND s.ready_ns < p.end_ns
             AND coalesce(s.dis_ns, 9223372036854775807) >= p.start_ns""",
        # A&E: every attendance arriving in the period; those departing within 4 hours (one
        # departing later, or never, is over 4 hours: docs/indicators.md).
        f"""WITH att AS (
                SELECT attendance,
                       min(at_ns) FILTER (WHERE kind = 'ae_arrival') AS arr_ns,
                       min(at_ns) FILTER (WHERE kind = 'ae_departure') AS dep_ns
                FROM ev WHERE kind IN ('ae_arrival', 'ae_departure')
                GROUP BY attendance
            )
            SELECT count(*) FILTER (WHERE dep_ns - arr_ns <= {4 * NANOS_PER_HOUR}),
                   count(*)
            FROM att, period p
            WHERE arr_ns >= p.start_ns AND arr_ns < p.end_ns""",
        # Readmission: discharges in the period of people 65+ at the discharge's local date,
        # not died, followed by an emergency admission of the same person within (0, 30 x 24h].
        f"""WITH d AS (
                SELECT s.spell, s.person, s.dis_ns
                FROM spells s JOIN births b ON b.person = s.person, period p
                WHERE s.dis_ns >= p.start_ns AND s.dis_ns < p.end_ns
                  AND s.adm_ns IS NOT NULL
                  AND s.destination <> 'died'
                  AND age_on(b.birth, s.dis_date) >= 65
            ), e AS (
                SELECT person, adm_ns FROM spells
                WHERE method = 'emergency' AND adm_ns IS NOT NULL
            ), flagged AS (
                SELECT d.spell, count(e.adm_ns) > 0 AS readmitted
                FROM d LEFT JOIN e
                  ON e.person = d.person AND e.adm_ns > d.dis_ns
                 AND e.adm_ns <= d.dis_ns + {30 * NANOS_PER_DAY}
                GROUP BY d.spell
            )
            SELECT count(*) FILTER (WHERE readmitted), count(*) FROM flagged""",
        # pop18 and D.
        f"""SELECT (SELECT sum(count) FROM read_csv({sql_str(population)}, header = true,
                        columns = {{'band': 'VARCHAR', 'count': 'BIGINT'}})
                    WHERE trim(band) IN ('18-64', '65-74', '75-84', '85+')),
                   (SELECT days FROM period)""",
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", required=True, help="the journey log (.jsonl or .jsonl.gz)")
    ap.add_argument("--population", required=True, help="population.csv")
    ap.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD (included)")
    ap.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD (excluded)")
    args = ap.parse_args()

    con = duckdb.connect()
    con.execute(f"SET TimeZone = {sql_str(ZONE)}")
    setup, queries = build_sql(args.events, args.population, args.date_from, args.date_to)

    t0 = time.perf_counter()
    for q in setup:
        con.execute(q)
    (delayed,) = con.execute(queries[0]).fetchone()
    within_4h, arrived = con.execute(queries[1]).fetchone()
    readmitted, discharged = con.execute(queries[2]).fetchone()
    pop18, days = con.execute(queries[3]).fetchone()
    seconds = time.perf_counter() - t0

    # The same floating-point operations, in the same order, as the engine.
    def rate(num, den):
        return num / den if den > 0 else None

    def pct(num, den):
        return 100.0 * float(num) / float(den) if den > 0 else None

    out = {
        "dtoc_delayed_days_per_100k": rate(
            float(delayed), float(days) * float(pop18 or 0) / 100_000.0
        ),
        "ae_4h_pct": pct(within_4h, arrived),
        "readmission_30d_pct_65": pct(readmitted, discharged),
        "seconds": seconds,
    }
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
