"""Benchmark of `engine.decide()` alone on a reference workload (issue 3). Not a timed test.

The workload is generated in code from a seeded RNG, so every run decides the same orders:
- 3 stores with 20 locations each (60), coordinates in their region, 300 SKUs per store;
- one rule set (parsed from YAML like any other) with 42 strategies and 2 holds that wait,
  location groups (one spanning two stores), per-location settings (priority, cost table,
  daily capacity, business hours, cut-offs, closed days, safety stock, refusals), conditions of
  every kind (tags, customer tags, price, channel, payment, destination, lines, metafields,
  weekday and time), ranking by distance, priority, cost, stock and load, and split strategies;
- a pool of 2,000 orders of 1 to 8 lines (one in ten with two fulfillment orders), decided
  round-robin, so the measure covers decisions rather than snapshot generation.

It prints decisions per second on one core, p50 and p99 time per decision, and the resident
memory before and after, as one JSON line and a table. Target: ≥ 5,000 decisions/s,
p99 < 2 ms, memory flat over 1,000,000 decisions.

Run: python -m tests.bench.bench_decide [--decisions 1000000]   (20000 for a quick look)
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sys
import time
from array import array
from pathlib import Path
from typing import Any

from engine import Location, decide, matcher
from tests.bench.decide_workload import POOL, SEED, STORES, build_locations, workload


def rss_kib() -> int:
    """Resident memory now (Linux /proc; falls back to the peak from getrusage)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def run(decisions: int, remember_matches: bool = True) -> dict[str, Any]:
    """Decide `decisions` orders on one core; the figures as a dict (what the CLI wrapper prints).

    `remember_matches=False` asks durable_rules for every fulfillment order, as if no two orders
    ever looked alike to the rules (the pool repeats every 2,000 orders, which flatters memory).
    """
    saved = matcher.MAX_ANSWERS
    matcher.MAX_ANSWERS = saved if remember_matches else 0
    pinned = hasattr(os, "sched_setaffinity")
    cores = os.sched_getaffinity(0) if pinned else set()
    if pinned:
        os.sched_setaffinity(0, {min(cores)})
    try:
        return _measure(decisions)
    finally:
        matcher.MAX_ANSWERS = saved
        gc.unfreeze()
        if pinned:
            os.sched_setaffinity(0, cores)


def _measure(decisions: int) -> dict[str, Any]:
    ruleset, pool = workload()
    outcomes: dict[str, int] = {}
    for snapshot in pool:  # warm-up: registers the rule set, fills per-rule-set caches
        decision = decide(snapshot, ruleset)
        outcomes[decision.outcome] = outcomes.get(decision.outcome, 0) + 1
    # The pool is long-lived data, like a service's loaded state: keep the collector off it, so
    # that pauses measure what deciding allocates rather than the size of the pool.
    gc.collect()
    gc.freeze()
    rss_before = rss_kib() + 8 * decisions // 1024  # the timing array, allocated below
    # Timings in a preallocated array: a list of a million ints would itself grow by ~30 MiB.
    timings = array("q", bytes(8 * decisions))
    checkpoints = max(1, decisions // 10)
    rss_during: list[float] = []
    clock = time.perf_counter_ns
    asked, matched = matcher.STATS["asked"], matcher.STATS["facts"]
    cpu_started = time.process_time()
    started = clock()
    for index in range(decisions):
        snapshot = pool[index % POOL]
        begin = clock()
        decide(snapshot, ruleset)
        timings[index] = clock() - begin
        if index % checkpoints == checkpoints - 1:
            rss_during.append(round(rss_kib() / 1024, 1))
    elapsed = (clock() - started) / 1e9
    cpu = time.process_time() - cpu_started  # on a shared machine, the time this process ran
    asked, matched = matcher.STATS["asked"] - asked, matcher.STATS["facts"] - matched
    gc.collect()
    rss_after = rss_kib()
    ordered = sorted(timings)
    return {
        "benchmark": "decide",
        "decisions": decisions,
        "strategies": len(ruleset.strategies),
        "holds": len(ruleset.holds),
        "locations": sum(1 for _ in workload_locations()),
        "stores": len(STORES),
        "lines_per_order": "1-8",
        "seconds": round(elapsed, 3),
        "decisions_per_second": round(decisions / elapsed) if elapsed else None,
        "cpu_seconds": round(cpu, 3),
        "decisions_per_cpu_second": round(decisions / cpu) if cpu else None,
        "p50_ms": round(ordered[len(ordered) // 2] / 1e6, 3) if ordered else None,
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6, 3)
        if ordered
        else None,
        "max_ms": round(ordered[-1] / 1e6, 3) if ordered else None,
        "rss_before_mib": round(rss_before / 1024, 1),
        "rss_after_mib": round(rss_after / 1024, 1),
        "rss_each_tenth_mib": rss_during,
        "matches_asked_of_durable_rules": f"{asked / matched:.1%}" if matched else None,
        "outcomes_in_pool": outcomes,
        "python": sys.version.split()[0],
    }


def workload_locations() -> list[Location]:
    return build_locations(random.Random(SEED))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument(
        "--fresh-matches",
        action="store_true",
        help="ask durable_rules for every order (no remembered answers)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="FILE.png",
        help="also draw the scaling curves (strategies 12-60, locations 12-501) into FILE.png",
    )
    args = parser.parse_args(argv)
    result = run(args.decisions, remember_matches=not args.fresh_matches)
    print(json.dumps(result))
    rows = [
        ("decisions", f"{result['decisions']:,}"),
        ("rule set", f"{result['strategies']} strategies, {result['holds']} holds"),
        ("locations", f"{result['locations']} in {result['stores']} stores"),
        ("decisions / s (one core)", f"{result['decisions_per_second']:,}"),
        ("decisions / CPU second", f"{result['decisions_per_cpu_second']:,}"),
        ("p50 per decision", f"{result['p50_ms']} ms"),
        ("p99 per decision", f"{result['p99_ms']} ms"),
        ("max per decision", f"{result['max_ms']} ms"),
        ("RSS before → after", f"{result['rss_before_mib']} MiB → {result['rss_after_mib']} MiB"),
        (
            "matches asked of durable_rules",
            f"{result['matches_asked_of_durable_rules']} (the rest remembered)",
        ),
        ("RSS at each tenth", " ".join(f"{mib}" for mib in result["rss_each_tenth_mib"]) + " MiB"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    if args.plot is not None:
        _scaling(args.plot)
    return 0


def _scaling(path: Path) -> None:
    from tests.bench import bench_scaling

    pinned = hasattr(os, "sched_setaffinity")
    cores = os.sched_getaffinity(0) if pinned else set()
    if pinned:
        os.sched_setaffinity(0, {min(cores)})
    try:
        found = bench_scaling.curves()
    finally:
        if pinned:
            os.sched_setaffinity(0, cores)
    for points in found.values():
        for point in points:
            print(json.dumps(point))
    bench_scaling.plot(found, path)
    print("\n".join(bench_scaling.table(found)))
    print(f"  scaling curves drawn into {path}")


if __name__ == "__main__":
    raise SystemExit(main())
