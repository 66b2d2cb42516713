"""A load generator for signed Shopify webhooks, meant to run in a process of its own.

Raw HTTP/1.1 over asyncio streams with keep-alive: a Python HTTP client would cost more CPU per
request than the route under test and would measure itself. Each request carries a unique
`X-Shopify-Webhook-Id` and a valid HMAC, so the real route does its full work (verify, insert).

Run: python -m tests.bench.loadgen URL --secret S --shop D (--rate R | --connections C) --seconds T
Prints one JSON object: requests, errors, seconds, rps, p50_ms, p99_ms, max_ms.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

BODY = json.dumps({"id": 450789469, "admin_graphql_api_id": "gid://shopify/Order/450789469", "tags": ""})


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0


def request_bytes(host: str, path: str, shop: str, secret: str) -> bytes:
    body = BODY.encode()
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    headers = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Shopify-Topic: orders/updated\r\n"
        f"X-Shopify-Hmac-Sha256: {signature}\r\nX-Shopify-Shop-Domain: {shop}\r\n"
        f"X-Shopify-API-Version: 2026-10\r\nX-Shopify-Webhook-Id: {uuid.uuid4()}\r\n"
        f"X-Shopify-Event-Id: {uuid.uuid4()}\r\n\r\n"
    )
    return headers.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


async def connection(url: str, shop: str, secret: str, slots: asyncio.Queue[float], results: Results) -> None:
    """One keep-alive connection taking request slots (their scheduled send times) from `slots`."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    try:
        while True:
            scheduled = await slots.get()
            if scheduled < 0:
                return
            writer.write(request_bytes(parts.netloc, parts.path, shop, secret))
            await writer.drain()
            status = await read_response(reader)
            # Latency from the scheduled time: a backed-up server shows, not hides (coordinated omission).
            results.latencies.append(time.perf_counter() - scheduled)
            if status != 200:
                results.errors += 1
    finally:
        writer.close()


async def run(
    url: str, shop: str, secret: str, *, seconds: float, rate: float | None, connections: int
) -> dict[str, float]:
    results = Results()
    slots: asyncio.Queue[float] = asyncio.Queue()
    workers = [asyncio.create_task(connection(url, shop, secret, slots, results)) for _ in range(connections)]
    start = time.perf_counter()
    if rate is None:  # closed loop: every connection sends as fast as answers come back
        while time.perf_counter() - start < seconds:
            while slots.qsize() < connections:
                slots.put_nowait(time.perf_counter())
            await asyncio.sleep(0.001)
    else:  # open loop: a fixed arrival rate, whatever the server does
        sent = 0
        while (now := time.perf_counter()) - start < seconds:
            due = int((now - start) * rate)
            for index in range(sent, due):
                slots.put_nowait(start + index / rate)
            sent = max(sent, due)
            await asyncio.sleep(0.0005)
    elapsed = time.perf_counter() - start
    for _ in workers:
        slots.put_nowait(-1.0)
    await asyncio.gather(*workers)
    latencies = sorted(results.latencies)
    count = len(latencies)

    def pct(p: float) -> float:
        return latencies[min(count - 1, int(p * count))] * 1000 if count else float("nan")

    return {
        "requests": count,
        "errors": results.errors,
        "seconds": round(elapsed, 3),
        "rps": round(count / elapsed, 1),
        "p50_ms": round(pct(0.50), 3),
        "p99_ms": round(pct(0.99), 3),
        "max_ms": round(latencies[-1] * 1000, 3) if count else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--shop", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=None, help="requests per second (open loop)")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    figures = asyncio.run(
        run(
            args.url,
            args.shop,
            args.secret,
            seconds=args.seconds,
            rate=args.rate,
            connections=args.connections,
        )
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
