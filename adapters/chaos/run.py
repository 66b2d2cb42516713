"""One chaos run: start the stack, place orders with faults, kill and restart replicas, drain, measure."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.chaos.report import FAULT_KINDS, ChaosPlan, ChaosReport
from adapters.chaos.stack import (
    PROJECT,
    Replica,
    balancer,
    chaos_scenario,
    free_port,
    wait_for_emulator,
    write_stores_file,
)
from adapters.loopback import LoopbackServer
from adapters.store import create_engine

STORE = "north-wind-us.myshopify.com"  # where the orders are placed


async def run_chaos(
    plan: ChaosPlan, workdir: Path, *, say: Callable[[str], None] = lambda _: None
) -> ChaosReport:
    """Run the plan with processes and files under `workdir`; the measured report."""
    if plan.replicas > 1 and not (plan.database_url or "").startswith("postgresql"):
        raise ValueError("--replicas above 1 needs --database-url postgresql+asyncpg://… (replicas share it)")
    workdir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(plan.seed)
    database_url = plan.database_url or f"sqlite+aiosqlite:///{workdir}/routing.db"
    kind = make_url(database_url).get_backend_name()
    report = ChaosReport(
        plan.orders, Counter(), 0, plan.replicas, "SQLite" if kind == "sqlite" else "PostgreSQL"
    )
    scenario = json.loads(chaos_scenario(workdir).read_text())
    emulator_port, balancer_port = free_port(), free_port()
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    stores = write_stores_file(workdir / "stores.toml", scenario, emulator_url)
    env = {
        **os.environ,
        "ROUTING_DATABASE_URL": database_url,
        "ROUTING_RULES_DIR": str(PROJECT / "rules"),
        "ROUTING_STORES_FILE": str(stores),
        "ROUTING_API_VERSION": "2026-01",
        "ROUTING_WORKERS": str(plan.workers),
        "ROUTING_LEASE_SECONDS": str(plan.lease_seconds),
        "ROUTING_SHOPIFY_TIMEOUT_SECONDS": str(plan.client_timeout_seconds),
        "ROUTING_RECONCILE_SECONDS": "30",
    }
    with (workdir / "emulator.log").open("ab") as emulator_log:
        emulator = subprocess.Popen(
            [sys.executable, "-m", "adapters.emulator", "--scenario", str(workdir / "scenario.json"),
             "--port", str(emulator_port), "--webhook-url", f"http://127.0.0.1:{balancer_port}/webhooks/shopify",
             "--webhook-senders", str(plan.webhook_senders)],
            cwd=PROJECT,
            stdout=subprocess.DEVNULL,
            stderr=emulator_log,
        )  # fmt: skip
    replicas = [Replica(i, env, workdir / f"replica-{i}.log") for i in range(plan.replicas)]
    database = create_engine(database_url)
    try:
        async with (
            httpx.AsyncClient(base_url=emulator_url, timeout=60, trust_env=False) as control,
            httpx.AsyncClient(timeout=30, trust_env=False) as http,
            LoopbackServer(balancer(replicas, http), port=balancer_port, lifespan="off"),
        ):
            await wait_for_emulator(control)
            for replica in replicas:  # one at a time: the first migrates the database
                replica.start()
                await replica.wait_ready(http)
            say(f"emulator and {plan.replicas} replica(s) up; placing {plan.orders} orders")
            started = time.monotonic()
            orders: list[str] = []
            placing = asyncio.create_task(_place(plan, rng, control, report, orders))
            thresholds = sorted(rng.uniform(0.05, 0.9) * plan.orders for _ in range(plan.kills))
            deadline = started + plan.drain_timeout_seconds
            last_redelivery = 0.0
            starting: set[asyncio.Task[None]] = set()
            while time.monotonic() < deadline:
                await asyncio.sleep(0.25)
                decided = await _decided(database, orders)
                if thresholds and decided >= thresholds[0]:
                    ready = [r for r in replicas if r.ready]
                    if ready:
                        victim = rng.choice(ready)
                        victim.kill()
                        thresholds.pop(0)
                        report.kills += 1
                        say(f"SIGKILL replica {victim.index} at {decided} decided; starting it again")
                        victim.start()
                        starting.add(asyncio.create_task(victim.wait_ready(http)))
                if not placing.done() or thresholds:
                    continue
                # Read the webhook log every few seconds, not at every tick: the emulator is one
                # process, and its time goes to the replicas' Admin API calls and webhooks.
                if time.monotonic() - last_redelivery < 3:
                    continue
                report.redelivered += await _redeliver_failed(control)
                last_redelivery = time.monotonic()
                if decided == len(orders) and await _quiet(database, control):
                    break
            await placing
            for task in starting:
                await task  # a replica that did not come back is an error worth seeing
            report.drain_seconds = time.monotonic() - started
            for replica in replicas:  # measured at rest: nothing is half-way through a decision
                replica.stop()
            await _measure(report, database, control, orders)
    finally:
        for replica in replicas:
            replica.stop()
        emulator.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            emulator.wait(timeout=10)
        await database.dispose()
    return report


async def _place(
    plan: ChaosPlan, rng: random.Random, control: httpx.AsyncClient, report: ChaosReport, orders: list[str]
) -> None:
    """Place the orders as customers would; after some, arm one Admin API fault."""
    skus = [f"NW-{n:04d}" for n in range(1, 31)]
    for _ in range(plan.orders):
        lines = rng.sample(skus, k=rng.choice((1, 1, 2, 3)))
        response = await control.post(
            f"/_emulator/stores/{STORE}/orders",
            json={
                "lines": [{"sku": sku, "quantity": rng.choice((1, 1, 2))} for sku in lines],
                "shipping_address": {"country_code": "US", "province_code": "NY", "city": "New York"},
            },
        )
        response.raise_for_status()
        orders.append(response.json()["id"])
        if rng.random() * 100 < plan.faults_percent:
            kind = rng.choice(sorted(FAULT_KINDS))
            body: dict[str, float] = {kind: 1}
            if kind == "delay_next_seconds":
                body = {kind: plan.client_timeout_seconds + 1.0, "count": 1}
            (await control.post("/_emulator/faults", json=body)).raise_for_status()
            report.faults[kind] += 1
        # Spread the orders over time, so kills land among arrivals as well as decisions.
        await asyncio.sleep(rng.uniform(0, 0.01))


async def _rows(database: AsyncEngine, sql: str) -> list[Any]:
    async with database.connect() as connection:
        return list((await connection.execute(text(sql))).all())


async def _decided(database: AsyncEngine, orders: list[str]) -> int:
    """How many of our orders have a decision and none still executing."""
    rows = await _rows(
        database, f"SELECT order_id, state FROM decisions WHERE shop = '{STORE}'"
    )  # a few thousand rows: cheap next to the run
    executing = {order for order, state in rows if state == "executing"}
    finished = {order for order, state in rows if state != "executing"} - executing
    return len(finished & set(orders))


async def _quiet(database: AsyncEngine, control: httpx.AsyncClient) -> bool:
    """Nothing pending in the inbox, nothing still to be sent by the emulator."""
    pending = await _rows(database, "SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")
    if pending[0][0]:
        return False
    return len(await _read(control, "/_emulator/webhooks?status=pending,failed")) == 0


async def _read(control: httpx.AsyncClient, path: str) -> Any:
    """GET a control route, again after a dropped keep-alive connection (the emulator closes idle ones)."""
    for attempt in range(3):
        try:
            response = await control.get(path)
            response.raise_for_status()
            return response.json()
        except httpx.TransportError:
            if attempt == 2:
                raise
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


async def _redeliver_failed(control: httpx.AsyncClient) -> int:
    failed = [w["id"] for w in await _read(control, "/_emulator/webhooks?status=failed")]
    for webhook_id in failed:
        (await control.post(f"/_emulator/webhooks/{webhook_id}/redeliver")).raise_for_status()
    return len(failed)


async def _measure(
    report: ChaosReport, database: AsyncEngine, control: httpx.AsyncClient, orders: list[str]
) -> None:
    report.decided = await _decided(database, orders)
    mutations = await _read(control, "/_emulator/mutations")
    writes = Counter((m["mutation"], json.dumps(m["variables"], sort_keys=True)) for m in mutations)
    report.duplicate_writes = sum(count - 1 for count in writes.values() if count > 1)
    report.details += [
        f"written {n} times: {name} {variables}" for (name, variables), n in writes.items() if n > 1
    ]
    report.refused_writes = sum(1 for m in mutations if m["userErrors"])
    webhooks = await _read(control, "/_emulator/webhooks")
    acknowledged = {w["id"] for w in webhooks if w["status"] == "delivered"}
    stored = {row[0]: row[1] for row in await _rows(database, "SELECT webhook_id, state FROM deliveries")}
    missing = acknowledged - set(stored)
    unfinished = [webhook for webhook, state in stored.items() if state == "pending"]
    report.lost_deliveries = len(missing) + len(unfinished)
    report.dead_letters = sum(1 for state in stored.values() if state == "failed")
    report.details += [f"acknowledged but not stored: {w}" for w in sorted(missing)[:20]]
    decisions = await _rows(
        database, "SELECT shop, order_id, fingerprint, created_at, completed_at, id FROM decisions"
    )
    by_order: dict[tuple[str, str], list[Any]] = {}
    for row in decisions:
        by_order.setdefault((row[0], row[1]), []).append(row)
    for (shop, order), rows in by_order.items():
        rows.sort(key=lambda row: row[3])
        if len({row[2] for row in rows}) < len(rows):
            report.double_decisions += 1
            report.details.append(f"one state decided twice: {shop} {order}")
        # A decision recorded while an earlier one of the order had writes outstanding (its worker cut
        # short): sequential under the order's lease, but decided on a state still to change.
        if any(a[4] is None or b[3] < a[4] for a, b in zip(rows, rows[1:], strict=False)):
            report.over_unfinished += 1
    undecided = len(orders) - report.decided
    if undecided:
        report.details.append(f"{undecided} order(s) without a finished decision")
