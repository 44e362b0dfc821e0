#!/usr/bin/env python3
"""The M/M/c queue of `crates/sim-kernel/examples/mmc_bench.rs` in SimPy and in Ciw.

c = 3 servers, arrivals Poisson at lambda = 2.4, service exponential at mu = 1.0, FIFO, one
resource, starting empty, no warm-up (Erlang C: Wq = 0.647191 / (3 - 2.4) = 1.0787).

    python3 bench/kernel_vs_simpy.py simpy [horizon] [seed]
    python3 bench/kernel_vs_simpy.py ciw   [horizon] [seed]

Prints one line of JSON with the fields the sim-kernel example prints. Only the simulation run
is timed (not building the model, not reading Ciw's records afterwards).
"""

import json
import random
import sys
import time

SERVERS = 3
LAMBDA = 2.4
MU = 1.0


def run_simpy(horizon, seed):
    import simpy

    rng = random.Random(seed)
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=SERVERS)
    stats = {"customers": 0, "served": 0, "wait_sum": 0.0}

    def customer(env, res):
        arrived = env.now
        with res.request() as req:
            yield req
            stats["served"] += 1
            stats["wait_sum"] += env.now - arrived
            yield env.timeout(rng.expovariate(MU))

    def source(env, res):
        while True:
            yield env.timeout(rng.expovariate(LAMBDA))
            stats["customers"] += 1
            env.process(customer(env, res))

    # Like the kernel example, the first customer arrives at time 0.
    def first_then_source(env, res):
        stats["customers"] += 1
        env.process(customer(env, res))
        yield from source(env, res)

    env.process(first_then_source(env, res))

    steps = 0
    t0 = time.perf_counter()
    while env.peek() < horizon:
        env.step()
        steps += 1
    seconds = time.perf_counter() - t0

    return {
        "engine": "simpy",
        "version": simpy.__version__,
        "horizon": horizon,
        "seed": seed,
        "customers": stats["customers"],
        "served": stats["served"],
        "events": steps,
        "seconds": seconds,
        "events_per_second": steps / seconds,
        "customers_per_second": stats["customers"] / seconds,
        "mean_wait": stats["wait_sum"] / max(stats["served"], 1),
        "events_definition": "env.step() calls while env.peek() < horizon: every SimPy event "
        "processed (process starts, timeouts, resource requests and releases, process ends)",
    }


def run_ciw(horizon, seed):
    import ciw

    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(LAMBDA)],
        service_distributions=[ciw.dists.Exponential(MU)],
        number_of_servers=[SERVERS],
    )
    t0 = time.perf_counter()
    Q = ciw.Simulation(network)
    Q.simulate_until_max_time(horizon)
    seconds = time.perf_counter() - t0

    # Records are written when a customer completes service (one per completed service here).
    records = Q.get_all_records()
    completions = len(records)
    arrivals = Q.nodes[0].number_of_individuals
    events = arrivals + completions
    waits = [r.waiting_time for r in records]
    return {
        "engine": "ciw",
        "version": ciw.__version__,
        "horizon": horizon,
        "seed": seed,
        "customers": arrivals,
        "served": completions,
        "events": events,
        "seconds": seconds,
        "events_per_second": events / seconds,
        "customers_per_second": arrivals / seconds,
        "mean_wait": sum(waits) / max(len(waits), 1),
        "events_definition": "arrivals (ArrivalNode.number_of_individuals) + service "
        "completions (records from get_all_records()); mean_wait over completed customers",
    }


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("simpy", "ciw"):
        sys.exit(f"usage: {sys.argv[0]} simpy|ciw [horizon] [seed]")
    engine = sys.argv[1]
    horizon = float(sys.argv[2].replace("_", "").replace(",", "")) if len(sys.argv) > 2 else 100_000.0
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 2017
    out = (run_simpy if engine == "simpy" else run_ciw)(horizon, seed)
    if out["horizon"] == int(out["horizon"]):
        out["horizon"] = int(out["horizon"])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
