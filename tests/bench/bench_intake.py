"""Intake benchmark: the real webhook route (HMAC + durable insert) against a bare 200 route.

Both servers run as separate processes under the same uvicorn settings; the load comes from a
third process (`tests.bench.loadgen`). Rounds alternate bare/real so that a noisy machine hits
both alike. Targets (issue 7): real ≥ 0.5 × bare in requests per second; p99 < 50 ms at a steady
500 requests per second on SQLite.

Run: python -m tests.bench.bench_intake [--seconds 10] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[2]
SHOP = "bench-shop.myshopify.com"
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers: up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f}s")


def start_real(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    stores = workdir / "stores.toml"
    # The store's Admin API is never called: the benchmark topic starts no decision.
    stores.write_text(
        f'[[stores]]\ndomain = "{SHOP}"\naccess_token = "unused"\nclient_secrets = ["{SECRET}"]\n'
        'admin_api_url = "http://127.0.0.1:9/graphql.json"\n'
    )
    port = free_port()
    env = {
        **os.environ,
        "ROUTING_DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/bench.db",
        "ROUTING_STORES_FILE": str(stores),
        "ROUTING_RULES_DIR": str(PROJECT / "rules"),
    }
    command = [sys.executable, "-m", "adapters.cli", "--log-level", "warning", "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env, cwd=PROJECT, stdout=subprocess.DEVNULL)
    wait_until_up(f"http://127.0.0.1:{port}/healthz")
    return process, f"http://127.0.0.1:{port}/webhooks/shopify"


def start_bare() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "tests.bench.bare_app", "--port", str(port)]
    process = subprocess.Popen(command, cwd=PROJECT)
    wait_until_up(f"http://127.0.0.1:{port}/")
    return process, f"http://127.0.0.1:{port}/webhooks/shopify"


def load(url: str, *, seconds: float, rate: float | None = None, connections: int = 16) -> dict[str, Any]:
    command = [sys.executable, "-m", "tests.bench.loadgen", url, "--shop", SHOP, "--secret", SECRET]
    command += ["--seconds", str(seconds), "--connections", str(connections)]
    if rate is not None:
        command += ["--rate", str(rate)]
    output = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=True).stdout
    figures: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return figures


def run(seconds: float = 10.0, rounds: int = 2) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as workdir:
        real, real_url = start_real(Path(workdir))
        bare, bare_url = start_bare()
        try:
            load(real_url, seconds=1)  # warm both: imports, first connections, SQLite pages
            load(bare_url, seconds=1)
            throughput: dict[str, list[dict[str, Any]]] = {"bare": [], "real": []}
            for _ in range(rounds):
                for name, url in (("bare", bare_url), ("real", real_url)):
                    throughput[name].append(load(url, seconds=seconds))
            for name in ("bare", "real"):
                runs = throughput[name]
                results.append(
                    {
                        "bench": "intake",
                        "route": name,
                        "mode": "max throughput, 16 connections",
                        "rps": statistics.median(r["rps"] for r in runs),
                        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                        "errors": sum(r["errors"] for r in runs),
                    }
                )
            steady = load(real_url, seconds=seconds, rate=500, connections=64)
            results.append({"bench": "intake", "route": "real", "mode": "steady 500 rps", **steady})
        finally:
            for process in (real, bare):
                process.terminate()
                process.wait(timeout=10)
    bare_rps = results[0]["rps"]
    results.append({"bench": "intake", "ratio_real_to_bare_rps": round(results[1]["rps"] / bare_rps, 3)})
    return results


def report(results: list[dict[str, Any]]) -> None:
    for result in results:
        print(json.dumps(result))
    print(f"\n{'route':6} {'mode':32} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}")
    for r in results:
        if "route" in r:
            row = (r["route"], r["mode"], r["rps"], r["p50_ms"], r["p99_ms"], r["errors"])
            print("{:6} {:32} {:>8} {:>8} {:>8} {:>6}".format(*row))
    print(f"real/bare throughput: {results[-1]['ratio_real_to_bare_rps']} (target ≥ 0.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    report(run(args.seconds, args.rounds))


if __name__ == "__main__":
    main()
