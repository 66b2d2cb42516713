"""The processes of a chaos run: the emulator, service replicas, the balancer in front of them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PROJECT = Path(__file__).resolve().parents[2]
SCENARIO = PROJECT / "fixtures" / "scenarios" / "two-stores-us-ca.json"


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


def write_stores_file(path: Path, scenario: dict[str, Any], emulator_url: str) -> Path:
    """The service's stores file for the scenario's stores, served by the emulator at `emulator_url`."""
    path.write_text(
        "".join(
            f'[[stores]]\ndomain = "{s["domain"]}"\naccess_token = "{s["access_token"]}"\n'
            f'client_secrets = ["{s["client_secret"]}"]\n'
            f'admin_api_url = "{emulator_url}/stores/{{domain}}/admin/api/{{api_version}}/graphql.json"\n'
            f'api_version = "{s.get("api_version", "2026-01")}"\n\n'
            for s in scenario["stores"]
        )
    )
    return path


async def wait_for_emulator(control: httpx.AsyncClient, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):
            if (await control.get("/_emulator/stores")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the emulator did not start within {timeout:.0f}s")
