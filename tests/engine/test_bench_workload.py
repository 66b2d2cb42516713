"""The decide() benchmark's workload is what the issue asks for, and `run()` reports its figures."""

from __future__ import annotations

from tests.bench.bench_decide import run
from tests.bench.decide_workload import POOL, workload


def test_the_reference_workload_is_big_enough() -> None:
    ruleset, pool = workload()
    stores = {loc.store for loc in pool[0].locations}
    assert len(ruleset.strategies) >= 40 and len(stores) == 3 and len(pool[0].locations) == 60
    sizes = {sum(len(fo.lines) for fo in snapshot.fulfillment_orders) for snapshot in pool}
    assert min(sizes) == 1 and max(sizes) == 8 and len(pool) == POOL


def test_run_reports_throughput_latency_and_memory() -> None:
    result = run(200)
    assert result["decisions"] == 200 and result["decisions_per_second"] > 0
    assert result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert len(result["rss_each_tenth_mib"]) == 10
