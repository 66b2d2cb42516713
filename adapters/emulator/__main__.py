"""The Shopify emulator as a process: `python -m adapters.emulator --scenario FILE [options]`.

Options: `--host H`, `--port P`, `--webhook-url URL`, `--webhook-senders N` (webhooks in flight at
once, default 16, as Shopify delivers concurrently).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from adapters.emulator.scenario import ScenarioError, load_scenario
from adapters.emulator.schemas import real_schema, subset_schema
from adapters.emulator.server import EmulatorServer
from adapters.emulator.webhooks import CONCURRENCY


async def _serve(server: EmulatorServer) -> None:
    await server.start()
    print(f"Shopify emulator listening on {server.base_url}", flush=True)
    for domain in server.state.stores:
        print(f"  {domain}: {server.admin_api_url(domain)}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m adapters.emulator", description=__doc__)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument(
        "--webhook-senders", type=int, default=CONCURRENCY, help="webhooks in flight at once (default 16)"
    )
    args = parser.parse_args(argv)
    if args.webhook_senders < 1:
        parser.error("--webhook-senders: at least 1")
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return 2
    # Build the schemas (the real one takes about a second) before listening, not inside the
    # first GraphQL request, where the single-process emulator would stall every store and webhook.
    subset_schema()
    real_schema()
    server = EmulatorServer(
        scenario,
        webhook_url=args.webhook_url,
        host=args.host,
        port=args.port,
        webhook_senders=args.webhook_senders,
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(server))
    return 0


if __name__ == "__main__":
    sys.exit(main())
