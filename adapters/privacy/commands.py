"""`routing-engine privacy requests|export`: the compliance requests received, and a data request's export.

`requests` lists what Shopify asked (newest first): data requests waiting for an export, and the
redactions done, with counts. `export --shop S --request-id ID` writes what we hold about the
customer of data request ID (see `adapters.privacy.export`) to a JSON file for the merchant to
hand on. Both read the database of `ROUTING_DATABASE_URL`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from adapters.privacy.export import gather
from adapters.settings import ConfigurationError, load_settings
from adapters.store import create_engine, migrate, session_factory
from adapters.store.clock import utc_now
from adapters.store.privacy_requests import PrivacyRequest, PrivacyRequests


def add_privacy_commands(commands: Any) -> None:
    """Register `privacy requests` and `privacy export` on the CLI's subcommands."""
    privacy = commands.add_parser("privacy", help="Shopify's compliance requests: list them, export data")
    privacy_commands = privacy.add_subparsers(required=True, metavar="PRIVACY_COMMAND")
    listing = privacy_commands.add_parser("requests", help="data requests and redactions received")
    listing.add_argument("--shop", metavar="DOMAIN", help="only this store's")
    listing.add_argument("--json", action="store_true", help="print them as JSON")
    listing.set_defaults(run=_requests, default_log_level="warning")
    export = privacy_commands.add_parser("export", help="write a data request's export (JSON)")
    export.add_argument("--shop", required=True, metavar="DOMAIN")
    export.add_argument("--request-id", required=True, metavar="ID", help="Shopify's data_request.id")
    export.add_argument("--out", type=Path, help="default: privacy-export-DOMAIN-ID.json here")
    export.set_defaults(run=_export, default_log_level="warning")


def _requests(args: argparse.Namespace) -> int:
    return asyncio.run(list_requests(load_settings().database_url, shop=args.shop, as_json=args.json))


def _export(args: argparse.Namespace) -> int:
    out = args.out or Path(f"privacy-export-{args.shop}-{args.request_id}.json")
    return asyncio.run(export_request(load_settings().database_url, args.shop, args.request_id, out))


async def list_requests(
    database_url: str, *, shop: str | None, as_json: bool, out: TextIO | None = None
) -> int:
    out = out or sys.stdout  # looked up now: a caller (or a test) may have replaced it
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        found = await PrivacyRequests(session_factory(engine)).listed(shop=shop)
    finally:
        await engine.dispose()
    if as_json:
        print(json.dumps([request.as_json() for request in found], indent=2), file=out)
    elif not found:
        print("no privacy requests", file=out)
    for request in [] if as_json else found:
        print(_line(request), file=out)
    return 0


def _line(request: PrivacyRequest) -> str:
    when = request.received_at.strftime("%Y-%m-%d %H:%M UTC")
    what = ", ".join(f"{n} {table}" for table, n in request.summary.items()) or "nothing held"
    if request.kind == "customers/data_request":
        state = f"exported {request.exported_at:%Y-%m-%d %H:%M}" if request.exported_at else "not exported"
        return (
            f"{when}  {request.shop}  data request {request.key}  {request.customer_id}  "
            f"{len(request.order_ids)} order(s)  {state}"
        )
    who = request.customer_id or "the whole shop"
    return f"{when}  {request.shop}  {request.kind}  {who}  done: {what}"


async def export_request(database_url: str, shop: str, request_id: str, out: Path) -> int:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        sessions = session_factory(engine)
        requests = PrivacyRequests(sessions)
        request = await requests.data_request(shop, request_id)
        if request is None:
            raise ConfigurationError(
                f"--request-id {request_id}: no data request with that id for {shop}; "
                f"`routing-engine privacy requests --shop {shop}` lists them"
            )
        async with sessions() as session:
            document = await gather(session, request, now=utc_now())
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        await requests.mark_exported(request.id)
    finally:
        await engine.dispose()
    print(
        f"wrote {out}: {len(document['webhooks'])} webhook(s), {len(document['decisions'])} decision(s), "
        f"{len(document['purchase_orders'])} purchase order(s), {len(document['handoffs'])} hand-off(s)"
    )
    return 0
