"""The whole stack for service benchmarks: the emulator and the service, each a process of its own.

The load (orders placed through the emulator's control API) comes from the benchmark process, so
three processes share the machine as they would in production: Shopify, us, and the traffic.
Scenarios are the demo's with stock multiplied (so that thousands of orders do not run it dry)
and the throttle set per benchmark.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

PROJECT = Path(__file__).resolve().parents[2]
SCENARIO = PROJECT / "fixtures" / "scenarios" / "two-stores-us-ca.json"
US = "north-wind-us.myshopify.com"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def bench_scenario(
    *, stock_factor: int = 1000, maximum_available: int = 2000, restore_rate: int = 100
) -> dict[str, Any]:
    scenario: dict[str, Any] = json.loads(SCENARIO.read_text())
    for store in scenario["stores"]:
        store["throttle"] = {"maximum_available": maximum_available, "restore_rate": restore_rate}
        for product in store["products"]:
            product["stock"] = {name: qty * stock_factor for name, qty in product["stock"].items()}
    return scenario


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f}s")


class Stack:
    def __init__(
        self,
        workdir: Path,
        emulator: subprocess.Popen[bytes],
        service: subprocess.Popen[bytes],
        emulator_url: str,
        database: Path,
    ) -> None:
        self.workdir = workdir
        self.emulator_process = emulator
        self.service_process = service
        self.control = httpx.Client(base_url=emulator_url, timeout=30)
        self.database = database

    def place(self, store: str, lines: list[tuple[str, int]]) -> dict[str, Any]:
        response = self.control.post(
            f"/_emulator/stores/{store}/orders",
            json={
                "lines": [{"sku": sku, "quantity": qty} for sku, qty in lines],
                "shipping_address": {"country_code": "US", "province_code": "NY", "city": "New York"},
            },
        )
        response.raise_for_status()
        order: dict[str, Any] = response.json()
        return order

    def accounting(self) -> dict[str, Any]:
        figures: dict[str, Any] = self.control.get("/_emulator/accounting").json()
        return figures

    def mutations(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = self.control.get("/_emulator/mutations").json()
        return records

    def faults(self, **faults: float) -> None:
        self.control.post("/_emulator/faults", json=faults).raise_for_status()

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.database, timeout=30) as connection:
            return connection.execute(sql, args).fetchall()

    def decided_orders(self) -> int:
        rows = self.query("SELECT COUNT(DISTINCT order_id) FROM decisions WHERE state != 'executing'")
        return int(rows[0][0])

    def pending_deliveries(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")[0][0])

    def wait_decided(self, orders: int, timeout: float) -> float:
        """Seconds until `orders` orders are decided and the inbox is empty."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.decided_orders() >= orders and self.pending_deliveries() == 0:
                return time.monotonic() - start
            time.sleep(0.1)
        raise RuntimeError(f"only {self.decided_orders()} of {orders} orders decided after {timeout:.0f}s")

    def service_rss_mib(self) -> float:
        status = Path(f"/proc/{self.service_process.pid}/status").read_text()
        kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
        return kib / 1024


@contextmanager
def running_stack(
    workdir: Path, scenario: dict[str, Any], *, workers: int = 4, rules_dir: Path | None = None
) -> Iterator[Stack]:
    scenario_file = workdir / "scenario.json"
    scenario_file.write_text(json.dumps(scenario))
    emulator_port, service_port = free_port(), free_port()
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "adapters.emulator",
            "--scenario",
            str(scenario_file),
            "--port",
            str(emulator_port),
            "--webhook-url",
            f"http://127.0.0.1:{service_port}/webhooks/shopify",
        ],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
    )
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
    database = workdir / "bench.db"
    env = {
        **os.environ,
        "ROUTING_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "ROUTING_STORES_FILE": str(stores),
        "ROUTING_RULES_DIR": str(rules_dir or PROJECT / "rules"),
        "ROUTING_WORKERS": str(workers),
    }
    service = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "adapters.cli",
            "--log-level",
            "warning",
            "serve",
            "--port",
            str(service_port),
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_until_up(f"{emulator_url}/_emulator/stores")
        wait_until_up(f"http://127.0.0.1:{service_port}/healthz")
        yield Stack(workdir, emulator, service, emulator_url, database)
    finally:
        for process in (service, emulator):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
