"""`routing-engine chaos`: faults, crashes and replicas against the emulator; one table of what held.

The run starts the Shopify emulator and `replicas` service processes (`routing-engine serve`) behind
a round-robin balancer (in this process, as a load balancer would sit in front of them), places
`orders` orders, injects Admin API faults after `faults_percent` of them (5xx, a hang past the
client timeout, a dropped connection, THROTTLED, an answer lost after the write landed), SIGKILLs a
replica `kills` times at random moments (when a random share of the orders has been decided) and
starts it again, then waits for the inbox to drain. Webhooks the emulator gave up on while no
replica answered are delivered again, as Shopify retries for hours.

What the table counts:
- duplicate writes: the same mutation with the same variables twice in the emulator's log;
- lost deliveries: webhooks the service acknowledged (2xx) that are not in its inbox, plus
  deliveries left pending (dead letters, failed for a reason and kept, are counted apart);
- double decisions: orders with two decisions in flight at once (one recorded before the other
  completed: two workers deciding one order) or the same order state (fingerprint) decided twice.
Targets: every order decided, 0 lost, 0 duplicate writes, 0 double decisions.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.loopback import LoopbackServer
from adapters.store import create_engine

PROJECT = Path(__file__).resolve().parents[1]
SCENARIO = PROJECT / "fixtures" / "scenarios" / "two-stores-us-ca.json"
STORE = "north-wind-us.myshopify.com"
# Emulator fault → how the table names it.
FAULT_KINDS = {
    "http_500_next": "HTTP 5xx",
    "delay_next_seconds": "hang past the client timeout",
    "drop_connection_next": "dropped connection",
    "throttle_next": "THROTTLED",
    "lose_answer_next": "answer lost after the write",
}


@dataclass(frozen=True)
class ChaosPlan:
    """What to run. `database_url` None: one SQLite file in the work directory."""

    orders: int = 2000
    faults_percent: float = 10.0
    kills: int = 10
    replicas: int = 1
    database_url: str | None = None
    seed: int = 7
    workers: int = 4
    client_timeout_seconds: float = 2.0  # ROUTING_SHOPIFY_TIMEOUT_SECONDS; hangs outlast it
    lease_seconds: float = 5.0
    drain_timeout_seconds: float = 900.0


@dataclass
class ChaosReport:
    """The measured outcome of one run."""

    orders: int
    faults: Counter[str]
    kills: int
    replicas: int
    database: str
    decided: int = 0
    duplicate_writes: int = 0
    refused_writes: int = 0
    lost_deliveries: int = 0
    double_decisions: int = 0
    redelivered: int = 0
    dead_letters: int = 0
    drain_seconds: float = 0.0
    details: list[str] = field(default_factory=list)

    def targets_met(self) -> bool:
        """Every order decided, nothing lost, nothing written twice, no order decided twice at once."""
        return (
            self.decided == self.orders
            and self.lost_deliveries == 0
            and self.duplicate_writes == 0
            and self.double_decisions == 0
        )

    def table(self) -> str:
        """The report as one aligned two-column table."""
        faults = sum(self.faults.values())
        rows: list[tuple[str, str]] = [
            ("orders", str(self.orders)),
            ("faults injected", str(faults)),
            *((f"  {label}", str(self.faults.get(kind, 0))) for kind, label in FAULT_KINDS.items()),
            ("kills (SIGKILL)", str(self.kills)),
            ("replicas", f"{self.replicas} on {self.database}"),
            ("orders decided", f"{self.decided} of {self.orders}"),
            ("duplicate writes", str(self.duplicate_writes)),
            ("refused writes (userErrors)", str(self.refused_writes)),
            ("lost deliveries", str(self.lost_deliveries)),
            ("double decisions", str(self.double_decisions)),
            ("webhooks redelivered (replica down)", str(self.redelivered)),
            ("dead letters", str(self.dead_letters)),
            ("time to drain", f"{self.drain_seconds:.1f} s"),
            ("targets (0 lost, 0 duplicate, 0 double)", "met" if self.targets_met() else "MISSED"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Replica:
    """One `routing-engine serve` process; killed and started again over the same database."""

    def __init__(self, index: int, env: dict[str, str], log: Path) -> None:
        self.index = index
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.ready = False

    def start(self) -> None:
        with self.log.open("ab") as log:
            command = [sys.executable, "-m", "adapters.cli", "serve", "--port", str(self.port)]
            self.process = subprocess.Popen(command, env=self.env, cwd=PROJECT, stdout=log, stderr=log)
        self.ready = False

    async def wait_ready(self, http: httpx.AsyncClient, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"replica {self.index} exited during start-up; see {self.log}")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(f"{self.url}/readyz")).status_code == 200:
                    self.ready = True
                    return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"replica {self.index} not ready within {timeout:.0f}s; see {self.log}")

    def kill(self) -> None:
        self.ready = False
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        self.ready = False
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def balancer(replicas: list[Replica], http: httpx.AsyncClient) -> Starlette:
    """Round-robin over the ready replicas; 503 when none answers (the sender retries)."""
    turn = [0]

    async def forward(request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower().startswith("x-shopify")}
        headers["content-type"] = request.headers.get("content-type", "application/json")
        for _ in range(len(replicas)):
            turn[0] += 1
            replica = replicas[turn[0] % len(replicas)]
            if not replica.ready:
                continue
            try:
                answer = await http.post(f"{replica.url}/webhooks/shopify", content=body, headers=headers)
            except httpx.TransportError:
                continue
            return Response(answer.content, answer.status_code, media_type="application/json")
        return Response(b'{"message": "no replica answered"}', 503, media_type="application/json")

    return Starlette(routes=[Route("/webhooks/shopify", forward, methods=["POST"])])


def chaos_scenario(workdir: Path) -> Path:
    """The demo's two stores with stock enough for thousands of orders."""
    scenario: dict[str, Any] = json.loads(SCENARIO.read_text())
    for store in scenario["stores"]:
        # Shopify Plus's bucket: the throttle itself is not under test here (THROTTLED faults are).
        store["throttle"] = {"maximum_available": 20000, "restore_rate": 1000}
        for product in store["products"]:
            product["stock"] = {name: qty * 1000 for name, qty in product["stock"].items()}
    path = workdir / "scenario.json"
    path.write_text(json.dumps(scenario))
    return path


async def fresh_postgres_database(server_url: str, prefix: str = "routing_chaos") -> str:
    """Create an empty database on the server of `server_url`; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


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
    stores = workdir / "stores.toml"
    stores.write_text(
        "".join(
            f'[[stores]]\ndomain = "{s["domain"]}"\naccess_token = "{s["access_token"]}"\n'
            f'client_secrets = ["{s["client_secret"]}"]\n'
            f'admin_api_url = "{emulator_url}/stores/{{domain}}/admin/api/{{api_version}}/graphql.json"\n'
            f'api_version = "{s.get("api_version", "2026-01")}"\n\n'
            for s in scenario["stores"]
        )
    )
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
    emulator = subprocess.Popen(
        [sys.executable, "-m", "adapters.emulator", "--scenario", str(workdir / "scenario.json"),
         "--port", str(emulator_port), "--webhook-url", f"http://127.0.0.1:{balancer_port}/webhooks/shopify"],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "emulator.log").open("ab"),
    )  # fmt: skip
    replicas = [Replica(i, env, workdir / f"replica-{i}.log") for i in range(plan.replicas)]
    database = create_engine(database_url)
    try:
        async with (
            httpx.AsyncClient(base_url=emulator_url, timeout=60, trust_env=False) as control,
            httpx.AsyncClient(timeout=30, trust_env=False) as http,
            LoopbackServer(balancer(replicas, http), port=balancer_port, lifespan="off"),
        ):
            await _wait_for_emulator(control)
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
                if time.monotonic() - last_redelivery > 3:
                    report.redelivered += await _redeliver_failed(control)
                    last_redelivery = time.monotonic()
                if decided == len(orders) and await _quiet(database, control):
                    break
            await placing
            for task in starting:
                await task  # a replica that did not come back is an error worth seeing
            report.drain_seconds = time.monotonic() - started
            await _measure(report, database, control, orders)
    finally:
        for replica in replicas:
            replica.stop()
        emulator.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            emulator.wait(timeout=10)
        await database.dispose()
    return report


async def _wait_for_emulator(control: httpx.AsyncClient, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if (await control.get("/_emulator/stores")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the emulator did not start within {timeout:.0f}s")


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
    webhooks = (await control.get("/_emulator/webhooks")).json()
    return not any(w["status"] in ("pending", "failed") for w in webhooks)


async def _redeliver_failed(control: httpx.AsyncClient) -> int:
    failed = [w["id"] for w in (await control.get("/_emulator/webhooks")).json() if w["status"] == "failed"]
    for webhook_id in failed:
        (await control.post(f"/_emulator/webhooks/{webhook_id}/redeliver")).raise_for_status()
    return len(failed)


async def _measure(
    report: ChaosReport, database: AsyncEngine, control: httpx.AsyncClient, orders: list[str]
) -> None:
    report.decided = await _decided(database, orders)
    mutations = (await control.get("/_emulator/mutations")).json()
    writes = Counter((m["mutation"], json.dumps(m["variables"], sort_keys=True)) for m in mutations)
    report.duplicate_writes = sum(count - 1 for count in writes.values() if count > 1)
    report.refused_writes = sum(1 for m in mutations if m["userErrors"])
    webhooks = (await control.get("/_emulator/webhooks")).json()
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
    double = 0
    for (shop, order), rows in by_order.items():
        rows.sort(key=lambda row: row[3])
        same_state = len({row[2] for row in rows}) < len(rows)
        overlap = any(
            earlier[4] is None or later[3] < earlier[4]
            for earlier, later in zip(rows, rows[1:], strict=False)
        )
        if same_state or overlap:
            double += 1
            report.details.append(f"decided twice at once: {shop} {order}")
    report.double_decisions = double
    undecided = len(orders) - report.decided
    if undecided:
        report.details.append(f"{undecided} order(s) without a finished decision")


def run_chaos_command(args: Any) -> int:
    """`routing-engine chaos` (arguments from `adapters.cli`): print the table; 0 when targets hold."""
    from adapters.settings import ConfigurationError

    for name in ("orders", "replicas"):
        if getattr(args, name) < 1:
            raise ConfigurationError(f"--{name}: must be at least 1")
    if args.kills < 0 or not 0 <= args.faults <= 100:
        raise ConfigurationError("--kills: 0 or more; --faults: a percentage from 0 to 100")
    if args.replicas > 1 and not (args.database_url or "").startswith("postgresql"):
        raise ConfigurationError(
            "--replicas above 1 share one PostgreSQL: give --database-url postgresql+asyncpg://…"
        )
    if args.database_url and not args.database_url.startswith("postgresql"):
        raise ConfigurationError("--database-url: a postgresql+asyncpg:// server URL (SQLite is the default)")

    def say(line: str) -> None:
        print(f"chaos: {line}", file=sys.stderr, flush=True)

    async def run(workdir: Path) -> ChaosReport:
        url = None
        if args.database_url:
            url = await fresh_postgres_database(args.database_url)
            say(f"fresh database {make_url(url).database} (kept for inspection)")
        plan = ChaosPlan(
            orders=args.orders,
            faults_percent=args.faults,
            kills=args.kills,
            replicas=args.replicas,
            database_url=url,
            seed=args.seed,
        )
        say(f"work directory {workdir} (service logs: replica-N.log)")
        return await run_chaos(plan, workdir, say=say)

    if args.workdir is not None:
        report = asyncio.run(run(args.workdir))
    else:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="routing-chaos-") as folder:
            report = asyncio.run(run(Path(folder)))
    print(report.table())
    for line in report.details[:20]:
        print(f"  {line}")
    return 0 if report.targets_met() else 1
