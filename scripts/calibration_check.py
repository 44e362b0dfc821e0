#!/usr/bin/env python3
"""Prints the calibration section of a run's summary.json as a markdown table.

Usage: scripts/calibration_check.py runs/stoke-2017/summary.json
(after `joinedup simulate --scenario stoke-2017 --replications 100 --seed 2017 --out runs/stoke-2017`).
Exits 1 if any figure is missed. The figures, their periods, tolerances and roles (fitted, held
out, input by nature) are the twin's (`twin::calibration::FIGURES`, docs/calibration.md): this
script only reads what `summary.json` says.
"""
import json
import sys


def num(v):
    return "-" if v is None else f"{v:.2f}"


def main() -> int:
    summary = json.load(open(sys.argv[1]))
    cal = summary["calibration"]
    print(f"{summary['scenario']}: {summary['replications']} replications, seed {summary['seed']}\n")
    print("| indicator | period | 2017 | tolerance | simulated mean | 95% CI | met | use |")
    print("|---|---|---|---|---|---|---|---|")
    missed = 0
    for f in cal["figures"]:
        ci = f["ci95"]
        ci = f"{ci[0]:.2f} to {ci[1]:.2f}" if ci else "-"
        met = {True: "yes", False: "NO", None: "not measured"}[f["met"]]
        missed += f["met"] is not True
        use = f["use"].replace("_", " ") + (", input by nature" if f["input_by_nature"] else "")
        period = f"{f['period']['from']} to {f['period']['to']}"
        target = "-" if f["target"] is None else f"{f['target']:g}"
        print(f"| `{f['id']}` | {period} | {target} | {f['tolerance']} | {num(f['mean'])} | {ci} | {met} | {use} |")
    print(f"\n{cal['met']} of {cal['of']} met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
