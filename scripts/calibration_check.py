#!/usr/bin/env python3
"""Checks a run of the baseline against the 2017 calibration targets.

Usage: scripts/calibration_check.py runs/stoke-2017/summary.json
(after `joinedup simulate --scenario stoke-2017 --replications 100 --out runs/stoke-2017`).
Prints the fit as a markdown table and exits 1 if any target is missed.
"""
import json
import sys

# (indicator, 2017 figure, tolerance as written, check)
TARGETS = [
    ("dtoc_delayed_days_per_100k", 32.0, "±15%", lambda v: abs(v - 32.0) <= 0.15 * 32.0),
    ("dtoc_delayed_days_per_100k:care_package_home", 9.3, "±25%", lambda v: abs(v - 9.3) <= 0.25 * 9.3),
    ("dtoc_delayed_days_per_100k:patient_family_choice", 7.3, "±25%", lambda v: abs(v - 7.3) <= 0.25 * 7.3),
    ("emergency_admissions_65_per_100k", 91.0, "±10%", lambda v: abs(v - 91.0) <= 9.1),
    ("ae_4h_pct", 78.3, "±3 points", lambda v: abs(v - 78.3) <= 3.0),
    ("bed_occupancy_pct", 85.0, "above 85%", lambda v: v > 85.0),
    ("readmission_30d_pct_65", 22.0, "±2 points", lambda v: abs(v - 22.0) <= 2.0),
    ("reablement_offered_pct", 0.7, "±0.4 points", lambda v: abs(v - 0.7) <= 0.4),
    ("reablement_91d_at_home_pct", 74.5, "±4 points", lambda v: abs(v - 74.5) <= 4.0),
    ("care_home_admissions_65_per_100k:pneumonia", 617.0, "±15%", lambda v: abs(v - 617.0) <= 0.15 * 617.0),
    ("care_home_admissions_65_per_100k:fall_injury", 562.0, "±15%", lambda v: abs(v - 562.0) <= 0.15 * 562.0),
    ("reviews_completed_pct", 61.0, "±5 points", lambda v: abs(v - 61.0) <= 5.0),
    ("ae_gp_referred_pct_65", 5.0, "±1.5 points", lambda v: abs(v - 5.0) <= 1.5),
    ("ae_gp_referred_discharged_pct_65", 12.0, "±3 points", lambda v: abs(v - 12.0) <= 3.0),
    ("chc_within_28d_pct", 67.0, "±7 points", lambda v: abs(v - 67.0) <= 7.0),
]


def main() -> int:
    summary = json.load(open(sys.argv[1]))
    by_id = {i["id"]: i for i in summary["indicators"]}
    print(f"{summary['scenario']}: {summary['replications']} replications, seed {summary['seed']}, {summary['from']} to {summary['to']}\n")
    print("| indicator | 2017 | tolerance | simulated mean | 95% CI | within |")
    print("|---|---|---|---|---|---|")
    missed = 0
    for ident, target, tolerance, check in TARGETS:
        ind = by_id[ident]
        mean = ind["mean"]
        lo, hi = ind["ci95"]
        ok = mean is not None and check(mean)
        missed += not ok
        print(f"| `{ident}` | {target:g} | {tolerance} | {mean:.2f} | {lo:.2f} to {hi:.2f} | {'yes' if ok else 'NO'} |")
    print(f"\n{len(TARGETS) - missed} of {len(TARGETS)} targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
