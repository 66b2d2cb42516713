"""Shopify cost per order: calls and cost points our decisions spend, against the floor.

The floor of an order is one read plus the writes its plan needs (the mutations it made). Orders
are placed one at a time and each one's spend is read from the emulator's accounting, so every
figure belongs to exactly one order. Kinds come from the decision: already in place, a move, an
out-of-stock hold; a split (a second stack whose rule splits two lines over two DCs); then
drop-ship orders, each bought from a vendor on a purchase order (`bench_cost_vendor`, the
drop-ship end-to-end harness), and cross-store orders handed off to the other store
(`bench_cost_handoff`, the cross-store end-to-end harness). Target (issue 7): on average within
1.2 × the floor.

Run: python -m tests.bench.bench_cost [--orders 60] [--split-orders 10] [--vendor-orders 5]
[--handoff-orders 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.bench.stack import US, Stack, bench_scenario, running_stack


def spent(accounting: dict[str, Any]) -> tuple[int, float]:
    store = accounting[US]
    return int(store["calls"]), float(store["points_spent"])


# Each line from the first DC that has it: NW-0005 (Newark) and NW-0008 (Chicago, not Newark),
# both of which Shopify's own routing puts at the Brooklyn Store: one fulfillment order, split.
SPLIT_RULES = """\
strategies:
  - id: us-nearer-lines
    when: {store: north-wind-us.myshopify.com}
    locations: [Newark DC, Chicago DC, Dallas DC, Reno DC]
    allocation: split
    prefer: nearer
fallback: {hold: {reason: INVENTORY_OUT_OF_STOCK, note: "{order}: short {short_skus}"}}
"""
SPLIT_LINES = [("NW-0005", 1), ("NW-0008", 1)]


def _place_and_measure(
    stack: Stack, number: int, lines: list[tuple[str, int]]
) -> tuple[dict[str, float], set[str]]:
    """Place one order, wait for its decision; its spend and the decision's actions."""
    calls_before, points_before = spent(stack.accounting())
    writes_before = len(stack.mutations())
    order = stack.place(US, lines)
    stack.wait_decided(number, timeout=60)
    calls_after, points_after = spent(stack.accounting())
    writes = len(stack.mutations()) - writes_before
    (outcome,) = stack.query(
        "SELECT decision FROM decisions WHERE order_id = ? ORDER BY created_at LIMIT 1", order["id"]
    )[0]
    actions = {fo["action"] for fo in json.loads(outcome)["fulfillment_orders"]}
    sample = {
        "calls": calls_after - calls_before,
        "points": points_after - points_before,
        "floor": 1 + writes,
    }
    return sample, actions


def cost_line(kind: str, samples: list[dict[str, Any]]) -> dict[str, Any]:
    """One kind's result line: calls and points an order against the floor, from samples of each."""
    calls = statistics.mean(s["calls"] for s in samples)
    floor = statistics.mean(s["floor"] for s in samples)
    return {
        "bench": "cost",
        "kind": kind,
        "orders": len(samples),
        "calls_per_order": round(calls, 2),
        "floor_calls": round(floor, 2),
        "ratio": round(calls / floor, 3),
        "points_per_order": round(statistics.mean(s["points"] for s in samples), 1),
    }


def one_kind_main(run_kind: Callable[[int], dict[str, Any]], doc: str | None) -> None:
    """The command line of a benchmark of one kind (`--orders N`): its JSON line and a sentence."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--orders", type=int, default=5)
    result = run_kind(parser.parse_args().orders)
    print(json.dumps(result))
    print(
        f"{result['kind']}: {result['orders']} orders, {result['calls_per_order']} calls against a floor "
        f"of {result['floor_calls']} ({result['ratio']} ×), {result['points_per_order']} points an order"
    )


def run(orders: int = 60, seed: int = 11, split_orders: int = 10) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    scenario = bench_scenario()
    skus = [p["sku"] for p in scenario["stores"][0]["products"]]
    per_kind: dict[str, list[dict[str, float]]] = defaultdict(list)
    with (
        tempfile.TemporaryDirectory(prefix="bench-cost-") as workdir,
        running_stack(Path(workdir), scenario) as stack,
    ):
        stack.place(US, [(skus[0], 1)])  # warm-up: the location cache's one read is not an order's cost
        stack.wait_decided(1, timeout=60)
        for number in range(2, orders + 2):
            quantity = 10**7 if rng.random() < 0.15 else rng.choice((1, 2))
            sample, actions = _place_and_measure(stack, number, [(rng.choice(skus), quantity)])
            kind = "hold" if "hold" in actions else "move" if "move" in actions else "in place"
            per_kind[kind].append(sample)
    if split_orders:
        with tempfile.TemporaryDirectory(prefix="bench-cost-split-") as workdir:
            rules = Path(workdir) / "rules"
            rules.mkdir()
            (rules / "routing.yaml").write_text(SPLIT_RULES)
            with running_stack(Path(workdir), scenario, rules_dir=rules) as stack:
                stack.place(US, [(skus[0], 1)])  # warm-up, as above
                stack.wait_decided(1, timeout=60)
                for number in range(2, split_orders + 2):
                    sample, actions = _place_and_measure(stack, number, SPLIT_LINES)
                    per_kind["split" if "split" in actions else "split?" + "+".join(sorted(actions))].append(
                        sample
                    )
    results = [cost_line(kind, samples) for kind, samples in sorted(per_kind.items())]
    every = [s for samples in per_kind.values() for s in samples]
    ratio = statistics.mean(s["calls"] for s in every) / statistics.mean(s["floor"] for s in every)
    results.append({"bench": "cost", "kind": "all", "orders": len(every), "ratio": round(ratio, 3)})
    return results


def report(results: list[dict[str, Any]], others: list[dict[str, Any]]) -> None:
    for result in [*results, *others]:
        print(json.dumps(result))
    every = [*results[:-1], *others]
    print(f"\n{'kind':11} {'orders':>6} {'calls':>6} {'floor':>6} {'ratio':>6} {'points':>7}")
    for r in every:
        row = (
            r["kind"],
            r["orders"],
            r["calls_per_order"],
            r["floor_calls"],
            r["ratio"],
            r["points_per_order"],
        )
        print("{:11} {:>6} {:>6} {:>6} {:>6} {:>7}".format(*row))
    print(f"in place, move, hold and split orders together: {results[-1]['ratio']} × the floor")
    kinds = statistics.mean(r["ratio"] for r in every)
    print(f"average of the {len(every)} kinds' ratios: {kinds:.3f} × the floor (target ≤ 1.2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=60)
    parser.add_argument("--split-orders", type=int, default=10, help="orders split over two DCs; 0: none")
    parser.add_argument(
        "--vendor-orders", type=int, default=5, help="drop-ship orders (a vendor PO each); 0: none"
    )
    parser.add_argument(
        "--handoff-orders", type=int, default=5, help="cross-store orders (a hand-off each); 0: none"
    )
    args = parser.parse_args()
    results = run(args.orders, split_orders=args.split_orders)
    others = []
    if args.vendor_orders:
        from tests.bench import bench_cost_vendor

        others.append(bench_cost_vendor.run(args.vendor_orders))
    if args.handoff_orders:
        from tests.bench import bench_cost_handoff

        others.append(bench_cost_handoff.run(args.handoff_orders))
    report(results, others)


if __name__ == "__main__":
    main()
