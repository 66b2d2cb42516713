"""Shopify cost of a cross-store order (issue 7, cost scenario "a cross-store order"): calls and
cost points a hand-off spends in both stores, against the floor.

The harness is the cross-store end-to-end one (`tests/e2e/test_cross_store.py`): two stores of
the emulator and the service over loopback HTTP, in this process. Store US has none of the item;
CA's Toronto DC has it, and US has a stand-in location for it. Each order is placed alone; its
spend is both stores' accounting from placing it until the linked order is in CA, the US
decision is settled and neither store's accounting moves (echoes of our writes count too).
The floor is one read plus the writes the plan needs (the mutations both stores logged: the move
to the stand-in, our hold, the linked order and its link, the metafield and tags).

Run: python -m tests.bench.bench_cost_handoff [--orders 5]
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import httpx

from adapters.emulator.scenario import parse_scenario
from adapters.emulator.server import EmulatorServer
from tests.bench.bench_cost import cost_line, one_kind_main
from tests.e2e.conftest import CA, US, Shopify, eventually
from tests.e2e.test_cross_store import ADDRESS, SCENARIO, serving

SKU = "NW-0014"  # none in US; CA's Toronto DC has it


def _scenario() -> Any:
    raw: dict[str, Any] = json.loads(SCENARIO.read_text())
    for store in raw["stores"]:
        store["throttle"] = {"maximum_available": 20_000, "restore_rate": 1_000}  # no waits: cost only
        for product in store["products"]:
            if store["domain"] == CA and product["sku"] == SKU:
                product["stock"]["Toronto DC"] = 1_000
    return parse_scenario(raw)


def _spent(accounting: dict[str, Any]) -> tuple[int, float]:
    stores = [accounting.get(domain, {"calls": 0, "points_spent": 0}) for domain in (US, CA)]
    return sum(int(s["calls"]) for s in stores), sum(float(s["points_spent"]) for s in stores)


def _linked_orders(server: EmulatorServer) -> int:
    store = server.emulator.state.store(CA)
    return sum(1 for order in store.orders.values() if "routing-engine:linked-order" in order.sorted_tags())


async def _measure(orders: int, workdir: Path) -> list[dict[str, float]]:
    samples: list[dict[str, float]] = []
    async with (
        EmulatorServer(_scenario()) as server,
        httpx.AsyncClient(base_url=server.base_url) as control,
    ):
        shopify = Shopify(server, control)
        async with serving(shopify, workdir):
            emulator = server.emulator
            for number in range(1, orders + 1):
                calls_before, points_before = _spent(emulator.accounting())
                writes_before = len(emulator.mutations)
                await shopify.place_order(US, [(SKU, 1)], shipping_address=ADDRESS)

                async def handed_off(number: int = number) -> bool:
                    return _linked_orders(server) >= number

                await eventually(handed_off, timeout=120, what="the linked order in CA")
                calls_after, points_after = await _quiet(emulator.accounting)
                samples.append(
                    {
                        "calls": calls_after - calls_before,
                        "points": points_after - points_before,
                        "floor": 1 + len(emulator.mutations) - writes_before,
                    }
                )
    return samples


async def _quiet(accounting: Any, seconds: float = 1.5) -> tuple[int, float]:
    """Both stores' spend once it has not moved for `seconds` (the order's work is done)."""
    last = _spent(accounting())
    while True:
        await asyncio.sleep(seconds)
        now = _spent(accounting())
        if now[0] == last[0]:
            return now
        last = now


def run(orders: int = 5) -> dict[str, Any]:
    """Spend per cross-store order, as one result line."""
    with tempfile.TemporaryDirectory(prefix="bench-cost-handoff-") as workdir:
        # The first order is a warm-up: the location cache's one read per store is not an order's cost.
        samples = asyncio.run(_measure(orders + 1, Path(workdir)))[1:]
    return cost_line("cross-store", samples)


def main() -> None:
    one_kind_main(run, __doc__)


if __name__ == "__main__":
    main()
