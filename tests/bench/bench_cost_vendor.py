"""Shopify cost of a drop-ship order (issue 7, cost scenario "a vendor PO"): calls and cost points
spent by the decision that buys the order's lines from a vendor, against the floor.

The harness is the drop-ship end-to-end one (`tests/e2e/test_drop_ship.py`): the Shopify emulator,
the service and mock-edi as the vendor over loopback HTTP, in this process. Each order is placed
alone; its spend is the emulator's accounting from placing it to its purchase order being sent
and its decision settled (the 850, the move to the vendor's location and our hold naming the PO).
The floor is one read plus the writes the plan needs (the mutations the emulator logged).

Run: python -m tests.bench.bench_cost_vendor [--orders 5]
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import httpx
from mockedi.testing import Mock

from adapters.emulator.server import EmulatorServer
from tests.bench.bench_cost import cost_line, one_kind_main
from tests.e2e.conftest import US, Shopify, eventually
from tests.e2e.test_drop_ship import SCENARIO, Stack


async def _measure(orders: int, workdir: Path) -> list[dict[str, float]]:
    samples: list[dict[str, float]] = []
    async with EmulatorServer(SCENARIO) as server, httpx.AsyncClient(base_url=server.base_url) as control:
        emulator = server.emulator
        with Mock.start(hold_delivery=True) as vendor:
            stack = Stack(Shopify(server, control), vendor, workdir)
            async with stack.service() as runtime:
                for _ in range(orders):
                    before = emulator.accounting().get(US, {"calls": 0, "points_spent": 0})
                    writes_before = len(emulator.mutations)
                    sent_before = sum(1 for po in stack.purchase_orders() if po["status"] == "sent")
                    order = await stack.place([("AC-WIDGET", 2), ("AC-BRACKET", 3)])

                    async def settled(order_id: str = order["id"], sent_before: int = sent_before) -> bool:
                        sent = sum(1 for po in stack.purchase_orders() if po["status"] == "sent")
                        stored = await runtime.log.for_order(US, order_id)
                        return (
                            sent > sent_before
                            and bool(stored)
                            and all(d.state != "executing" for d in stored)
                        )

                    await eventually(settled, timeout=120, what="the purchase order and its writes")
                    after = await _quiet(emulator.accounting)  # echoes of our writes count too
                    samples.append(
                        {
                            "calls": after["calls"] - before["calls"],
                            "points": after["points_spent"] - before["points_spent"],
                            "floor": 1 + len(emulator.mutations) - writes_before,
                        }
                    )
    return samples


async def _quiet(accounting: Any, seconds: float = 1.5) -> dict[str, Any]:
    """The store's accounting once it has not moved for `seconds` (the order's work is done)."""
    last = accounting()[US]
    while True:
        await asyncio.sleep(seconds)
        now = accounting()[US]
        if now["calls"] == last["calls"]:
            return dict(now)
        last = now


def run(orders: int = 5) -> dict[str, Any]:
    """Spend per drop-ship order, as one result line."""
    with tempfile.TemporaryDirectory(prefix="bench-cost-vendor-") as workdir:
        # The first order is a warm-up: the location cache's one read per store is not an order's cost.
        samples = asyncio.run(_measure(orders + 1, Path(workdir)))[1:]
    return cost_line("vendor PO", samples)


def main() -> None:
    one_kind_main(run, __doc__)


if __name__ == "__main__":
    main()
