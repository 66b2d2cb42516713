"""Scaling curves of `engine.decide()` (issue 7): time per decision against the number of
strategies and of locations (12 to 501), drawn into a PNG. Not a timed test.

Strategies stop at 60: a rule set holds at most 63 strategies and holds together (with the
reference's 2 holds, 61), because durable_rules fails when more than 64 rules match one
fulfillment order (`engine.ruleset`), so the issue's 400 cannot be measured.

Each point is the reference workload of `bench_decide` with one dimension changed:
- strategies: each store keeps its last strategies (the catch-alls among them) below the
  reference 42, and gets narrow strategies that rarely apply (tags, customer tags, ZIP
  patterns, channels) in front of its own above it, so every order walks the whole chain;
- locations: 4 to 167 per store (8 distribution centres at most, the rest shops), every
  SKU stocked at most of them, so ranking and the stock checks see them all.
Every point decides the same orders of its pool round-robin after one warm-up pass, on one
core; the figure is the median (and p99) time per decision.

Run: python -m tests.bench.bench_decide --decisions 20000 --plot scaling.png
"""

from __future__ import annotations

import gc
import statistics
import time
from pathlib import Path
from typing import Any

from engine import decide
from tests.bench.decide_workload import STORES, workload

STRATEGIES = (4, 8, 14, 20)  # per store: 12 to 60 strategies in all (the rule-set limit: 63)
LOCATIONS = (4, 10, 20, 40, 80, 167)  # per store: 12 to 501 locations in all
POOL = 400


def point(per_store: int, strategies_per_store: int | None, decisions: int) -> dict[str, Any]:
    """Time per decision for one shape of the workload."""
    ruleset, pool = workload(per_store, strategies_per_store, pool=POOL)
    for snapshot in pool:  # warm-up: registers the rule set, fills per-rule-set caches
        decide(snapshot, ruleset)
    gc.collect()
    clock = time.perf_counter_ns
    timings = []
    for index in range(decisions):
        begin = clock()
        decide(pool[index % POOL], ruleset)
        timings.append(clock() - begin)
    timings.sort()
    return {
        "benchmark": "decide-scaling",
        "strategies": len(ruleset.strategies),
        "locations": per_store * len(STORES),
        "decisions": decisions,
        "median_ms": round(statistics.median(timings) / 1e6, 3),
        "p99_ms": round(timings[min(len(timings) - 1, int(len(timings) * 0.99))] / 1e6, 3),
    }


def curves(decisions: int = 2_000) -> dict[str, list[dict[str, Any]]]:
    """Both curves: strategies at the reference 60 locations, locations at the reference 42."""
    return {
        "strategies": [point(20, count, decisions) for count in STRATEGIES],
        "locations": [point(count, None, decisions) for count in LOCATIONS],
    }


def plot(found: dict[str, list[dict[str, Any]]], path: Path) -> None:
    """Two panels, median and p99 milliseconds per decision, on log-scaled axes."""
    import matplotlib

    matplotlib.use("Agg")  # no display: write the file only
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    titles = {
        "strategies": "strategies (60 locations, 3 stores)",
        "locations": "locations (42 strategies, 3 stores)",
    }
    for ax, (dimension, points) in zip(axes, found.items(), strict=True):
        xs = [p[dimension] for p in points]
        ax.plot(xs, [p["median_ms"] for p in points], marker="o", label="median")
        ax.plot(xs, [p["p99_ms"] for p in points], marker="s", linestyle="--", label="p99")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(xs, [str(x) for x in xs])
        ax.xaxis.set_minor_formatter(NullFormatter())  # only the measured points are labelled
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(titles[dimension])
        ax.set_ylabel("ms per decision")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    figure.suptitle("engine.decide(): time per decision, one core, orders of 1-8 lines (2 holds)")
    figure.savefig(path, dpi=110)
    plt.close(figure)


def table(found: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The points as a readable table, one row each."""
    row = "  {:>10} {:>9} {:>9} {:>7}"
    rows = [row.format("strategies", "locations", "median ms", "p99 ms")]
    for points in found.values():
        rows += [row.format(p["strategies"], p["locations"], p["median_ms"], p["p99_ms"]) for p in points]
    return rows
