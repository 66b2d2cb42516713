"""`routing-engine demo`: the emulator and the service on loopback, N orders, a table of decisions.

Everything is real except Shopify itself: signed webhooks over HTTP, the durable inbox in a
SQLite file, GraphQL reads and mutations over HTTP against the emulator, the rules in `rules/`.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from adapters.app import Runtime, create_app
from adapters.emulator.scenario import Scenario, load_scenario
from adapters.emulator.server import EmulatorServer
from adapters.loopback import serve_on_loopback
from adapters.settings import Settings, StoreConfig
from adapters.store import StoredDecision

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = PROJECT / "fixtures" / "scenarios" / "two-stores-us-ca.json"
DESTINATIONS = {
    "US": [
        ("NY", "New York", "10001"),
        ("CA", "Los Angeles", "90001"),
        ("IL", "Chicago", "60601"),
        ("TX", "Austin", "73301"),
        ("WA", "Seattle", "98101"),
    ],
    "CA": [("ON", "Ottawa", "K1A 0B1"), ("QC", "Quebec", "G1R 4P5"), ("BC", "Victoria", "V8W 1P6")],
}


@dataclass(frozen=True)
class PlacedOrder:
    store: str
    order_id: str
    name: str


async def run_demo(*, orders: int, seed: int, scenario: str | None, timeout: float) -> int:
    world = load_scenario(scenario or DEFAULT_SCENARIO)
    with tempfile.TemporaryDirectory(prefix="routing-engine-demo-") as workdir:
        async with EmulatorServer(world) as emulator:
            stores = tuple(
                StoreConfig.model_validate(
                    {
                        "domain": store.domain,
                        "access_token": store.access_token,
                        "client_secrets": [store.client_secret],
                        "admin_api_url": emulator.admin_api_url(store.domain),
                    }
                )
                for store in world.stores
            )
            settings = Settings(
                database_url=f"sqlite+aiosqlite:///{workdir}/demo.db",
                rules_dir=PROJECT / "rules",
                api_version="2026-01",
            )
            app = create_app(settings, stores=stores)
            async with (
                serve_on_loopback(app) as service_url,
                httpx.AsyncClient(base_url=emulator.base_url, timeout=10) as control,
            ):
                await control.post(
                    "/_emulator/webhooks/config", json={"url": f"{service_url}/webhooks/shopify"}
                )
                names = await _location_names(control)
                runtime: Runtime = app.state.runtime
                placed = await _place_orders(control, world, orders, seed)
                decided = await _wait_for_decisions(runtime, placed, timeout)
        return _report(placed, decided, names)


async def _location_names(control: httpx.AsyncClient) -> dict[str, str]:
    response = await control.get("/_emulator/stores")
    response.raise_for_status()
    return {loc["id"]: loc["name"] for store in response.json() for loc in store["locations"]}


async def _place_orders(
    control: httpx.AsyncClient, world: Scenario, count: int, seed: int
) -> list[PlacedOrder]:
    """Place `count` random orders through the emulator, as customers checking out would."""
    rng = random.Random(seed)
    placed = []
    for _ in range(count):
        store = rng.choice(world.stores)
        skus = rng.sample([p.sku for p in store.products], k=rng.choice((1, 1, 2, 3)))
        country = store.locations[0].address.country_code
        province, city, zip_code = rng.choice(DESTINATIONS.get(country, DESTINATIONS["US"]))
        response = await control.post(
            f"/_emulator/stores/{store.domain}/orders",
            json={
                "lines": [{"sku": sku, "quantity": rng.choice((1, 1, 2, 3))} for sku in skus],
                "shipping_address": {
                    "country_code": country,
                    "province_code": province,
                    "city": city,
                    "zip": zip_code,
                },
            },
        )
        response.raise_for_status()
        order = response.json()
        placed.append(PlacedOrder(store.domain, order["id"], order["name"]))
    return placed


async def _wait_for_decisions(
    runtime: Runtime, placed: list[PlacedOrder], timeout: float
) -> dict[str, list[StoredDecision]]:
    """Wait until the inbox is drained and every order has a finished decision."""
    deadline = time.monotonic() + timeout
    decided: dict[str, list[StoredDecision]] = {}
    while time.monotonic() < deadline:
        for order in placed:
            decided[order.order_id] = await runtime.log.for_order(order.store, order.order_id)
        counts = await runtime.inbox.counts()
        finished = all(d and all(x.state != "executing" for x in d) for d in decided.values())
        if finished and counts.get("pending", 0) == 0:
            break
        await asyncio.sleep(0.2)
    return decided


def _report(
    placed: list[PlacedOrder], decided: dict[str, list[StoredDecision]], names: dict[str, str]
) -> int:
    rows = [("order", "store", "decision", "from → to", "hold reason / note")]
    outcomes: dict[str, int] = {}
    undecided = 0
    for order in placed:
        decisions = decided.get(order.order_id) or []
        if not decisions:
            undecided += 1
            rows.append((order.name, order.store.split(".")[0], "UNDECIDED", "", ""))
            continue
        first = decisions[0].decision
        outcomes[first.outcome] = outcomes.get(first.outcome, 0) + 1
        for index, fo in enumerate(first.fulfillment_orders):
            moves = (
                f"{_name(names, fo.from_location_id)} → {_name(names, fo.to_location_id)}"
                if fo.action == "move"
                else ""
            )
            if fo.action == "keep":
                moves = f"stays at {_name(names, fo.to_location_id or fo.from_location_id)}"
            rows.append(
                (
                    order.name if index == 0 else "",
                    order.store.split(".")[0] if index == 0 else "",
                    f"{first.outcome}/{fo.action}",
                    moves,
                    f"{fo.hold_reason}: {fo.note}" if fo.hold_reason else fo.note,
                )
            )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    held = [d[0].decision for d in decided.values() if d and d[0].decision.outcome == "held"]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    for decision in held:
        print(f"\nWhy {decision.order_name} was held:")
        print("\n".join(f"  {line}" for line in decision.explain().splitlines()))
    summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
    print(f"\n{len(placed)} orders: {summary}" + (f", {undecided} UNDECIDED" if undecided else ""))
    if undecided:
        print("some orders were not decided in time; see the log above", file=sys.stderr)
        return 1
    return 0


def _name(names: dict[str, str], location_id: str | None) -> str:
    return names.get(location_id or "", location_id or "?")
