"""Service under load: burst drain against the API budget, steady-rate latency, memory over time.

- burst: N orders placed at once against the Plus throttle (restore 1,000 points/s, bucket
  20,000) with a per-call latency; drain time against the floor the budget sets, (points spent −
  bucket) ÷ restore rate. Target: ≥ 85 % of the budget's throughput, every order decided.
- latency: a steady rate of orders; webhook arrival (our inbox) to the order's last Shopify write
  (the emulator's mutation log), p50 and p99. Target: p99 < 1 s at 20 orders/s for 60 s.
- memory: the service's resident memory after N decisions against after N/10.
  Target: within 10 %.

Run: python -m tests.bench.bench_load burst|latency|memory [options]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.bench.stack import US, Stack, bench_scenario, running_stack


def skus(scenario: dict[str, Any]) -> list[str]:
    return [p["sku"] for p in scenario["stores"][0]["products"]]


def place_many(
    stack: Stack, names: list[str], count: int, *, rate: float | None, seed: int
) -> list[dict[str, Any]]:
    """Place `count` orders, at `rate` per second or as fast as possible, from 4 threads."""
    rng = random.Random(seed)
    plans = [[(rng.choice(names), rng.choice((1, 1, 2)))] for _ in range(count)]
    placed: list[dict[str, Any]] = []
    start = time.monotonic()
    lock = threading.Lock()
    cursor = iter(range(count))

    def worker() -> None:
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            if rate is not None:
                delay = start + index / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            order = stack.place(US, plans[index])
            with lock:
                placed.append(order)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return placed


def burst(orders: int, latency_ms: float, workers: int) -> dict[str, Any]:
    scenario = bench_scenario(maximum_available=20_000, restore_rate=1_000)
    with (
        tempfile.TemporaryDirectory(prefix="bench-burst-") as workdir,
        running_stack(Path(workdir), scenario, workers=workers) as stack,
    ):
        stack.faults(delay_next_seconds=latency_ms / 1000, count=10**9)
        start = time.monotonic()
        place_many(stack, skus(scenario), orders, rate=None, seed=5)
        drained = stack.wait_decided(orders, timeout=3600) + 0.0
        elapsed = time.monotonic() - start
        store = stack.accounting()[US]
    points = float(store["points_spent"])
    floor = max(0.0, (points - 20_000) / 1_000)
    return {
        "bench": "burst",
        "orders": orders,
        "latency_ms": latency_ms,
        "workers": workers,
        "drain_seconds": round(elapsed, 1),
        "points_spent": round(points),
        "budget_floor_seconds": round(floor, 1),
        "budget_use": round(floor / elapsed, 3) if elapsed else None,
        "throttled_answers": store["throttled"],
        "orders_per_second": round(orders / elapsed, 1),
        "waited_after_placing": round(drained, 1),
    }


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def latency(rate: float, seconds: float, workers: int, restore_rate: int = 1_000) -> dict[str, Any]:
    """`restore_rate` other than Plus's 1,000 points/s (e.g. 10**9: no budget) is the control run
    that tells the pipeline's own latency from waiting for the Admin API budget."""
    scenario = bench_scenario(maximum_available=20_000, restore_rate=restore_rate)
    count = int(rate * seconds)
    with (
        tempfile.TemporaryDirectory(prefix="bench-latency-") as workdir,
        running_stack(Path(workdir), scenario, workers=workers) as stack,
    ):
        placed = place_many(stack, skus(scenario), count, rate=rate, seed=9)
        stack.wait_decided(count, timeout=600)
        last_write: dict[str, float] = {}
        for mutation in stack.mutations():
            variables = mutation["variables"]
            owner = variables.get("id") or (variables.get("metafields") or [{}])[0].get("ownerId")
            last_write[owner] = max(last_write.get(owner, 0.0), _ts(mutation["at"]))
        store = stack.accounting()[US]
        arrivals = dict(
            stack.query(
                "SELECT order_id, MIN(received_at) FROM deliveries WHERE order_id IS NOT NULL "
                "AND topic = 'fulfillment_orders/order_routing_complete' GROUP BY order_id"
            )
        )
    samples = []
    for order in placed:
        ids = [order["id"], *(fo["id"] for fo in order["fulfillment_orders"])]
        written = max((last_write.get(i, 0.0) for i in ids), default=0.0)
        arrived = arrivals.get(order["id"])
        if written and arrived:
            samples.append(
                written - _ts(str(arrived).replace(" ", "T") + ("" if "+" in str(arrived) else "+00:00"))
            )
    samples.sort()
    return {
        "bench": "latency",
        "rate": rate,
        "seconds": seconds,
        "restore_rate": restore_rate,
        "orders": count,
        "measured": len(samples),
        "p50_ms": round(statistics.median(samples) * 1000, 1),
        "p99_ms": round(samples[int(0.99 * (len(samples) - 1))] * 1000, 1),
        "max_ms": round(samples[-1] * 1000, 1),
        # Whether the Admin API budget bound: what an order cost, and the answers that said wait.
        "points_per_order": round(float(store["points_spent"]) / count, 1),
        "calls_per_order": round(int(store["calls"]) / count, 2),
        "throttled_answers": store["throttled"],
    }


def memory(decisions: int, workers: int) -> dict[str, Any]:
    scenario = bench_scenario(stock_factor=100_000, maximum_available=10**9, restore_rate=10**9)
    names = skus(scenario)
    with (
        tempfile.TemporaryDirectory(prefix="bench-memory-") as workdir,
        running_stack(Path(workdir), scenario, workers=workers) as stack,
    ):
        early = decisions // 10
        place_many(stack, names, early, rate=None, seed=1)
        stack.wait_decided(early, timeout=3600)
        rss_early = stack.service_rss_mib()
        place_many(stack, names, decisions - early, rate=None, seed=2)
        stack.wait_decided(decisions, timeout=7200)
        rss_late = stack.service_rss_mib()
    return {
        "bench": "memory",
        "decisions": decisions,
        f"rss_after_{early}_mib": round(rss_early, 1),
        f"rss_after_{decisions}_mib": round(rss_late, 1),
        "growth": round(rss_late / rss_early - 1, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=["burst", "latency", "memory"])
    parser.add_argument("--orders", type=int, default=5000, help="burst: orders placed at once")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="burst: per-call Admin API latency")
    parser.add_argument("--rate", type=float, default=20.0, help="latency: orders per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="latency: how long")
    parser.add_argument(
        "--restore-rate",
        type=int,
        default=1_000,
        help="latency: points/s (Plus: 1000; 1000000000: no budget)",
    )
    parser.add_argument("--decisions", type=int, default=100_000, help="memory: decisions in all")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if args.name == "burst":
        result = burst(args.orders, args.latency_ms, args.workers)
    elif args.name == "latency":
        result = latency(args.rate, args.seconds, args.workers, args.restore_rate)
    else:
        result = memory(args.decisions, args.workers)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
