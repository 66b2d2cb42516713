"""`routing-engine simulate`: what the rules would decide for one order, and why. Writes nothing.

The order comes from a snapshot file (the JSON of `engine.model.Snapshot`, as in
`fixtures/snapshots/` and as stored with every decision) or is read live from a configured
store with `--order GID`. The rules are checked in a child process first, like everywhere
else, so a rule set that would hang durable_rules is reported instead of evaluated here.

Exit codes: 0 decided (whatever the outcome); 2 bad input (no such file, not a snapshot, rule
files with errors, an order Shopify does not know, a missing store configuration).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import httpx
from pydantic import ValidationError

from adapters.rule_check import RuleChecker
from adapters.rule_files import load_checked_ruleset
from adapters.settings import ConfigurationError, Settings, StoreConfig, load_stores
from engine import (
    AddOrderTags,
    Decision,
    FulfillmentOrderOutcome,
    HoldFulfillmentOrder,
    Intent,
    LineQuantity,
    MoveFulfillmentOrder,
    ReleaseHold,
    SendPurchaseOrder,
    SetOrderMetafield,
    Snapshot,
    decide,
)

EXIT_OK = 0

Namer = Callable[[str | None], str]  # a location id to the name staff know it by


class BadInput(ConfigurationError):
    """The order to simulate cannot be read; the message says what to give instead."""


def simulate(
    snapshot: Snapshot, *, settings: Settings, rules_dir: Path | None, as_json: bool, out: TextIO
) -> int:
    checker = RuleChecker(timeout_seconds=settings.rules_check_timeout_seconds)
    ruleset = load_checked_ruleset(rules_dir or settings.rules_dir, checker)
    decision = decide(snapshot, ruleset)
    if as_json:
        print(decision.model_dump_json(indent=2), file=out)
    else:
        print(render(decision, snapshot), file=out)
    return EXIT_OK


def read_snapshot_file(path: Path) -> Snapshot:
    """A snapshot from a JSON file; every problem as `path: message`, one per line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"SNAPSHOT_FILE: {path} does not exist") from None
    except (IsADirectoryError, UnicodeDecodeError) as exc:
        raise BadInput(f"SNAPSHOT_FILE: {path} cannot be read as text: {exc}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    try:
        return Snapshot.model_validate(raw)
    except ValidationError as exc:
        problems = "\n".join(f"  {_path(error['loc'])}: {error['msg']}" for error in exc.errors())
        raise BadInput(f"{path} is not a snapshot:\n{problems}") from None


def read_live_snapshot(settings: Settings, order_id: str, store: str | None) -> Snapshot:
    """The order's snapshot read now through the configured store's Admin API."""
    if settings.stores_file is None:
        raise BadInput("--order: needs ROUTING_STORES_FILE (the store to read the order from)")
    config = _choose_store(load_stores(settings.stores_file), store)
    if not order_id.startswith("gid://shopify/Order/"):
        raise BadInput(f"--order: {order_id!r} is not an order GID; write gid://shopify/Order/<id>")
    return asyncio.run(_read_live(config, settings, order_id))


async def _read_live(config: StoreConfig, settings: Settings, order_id: str) -> Snapshot:
    from adapters.shopify import ShopifyClient, ShopifyError, ShopifyNotFound
    from adapters.shopify.gateway import ShopifyGateway

    timeout = httpx.Timeout(settings.shopify_timeout_seconds, connect=5.0)
    async with httpx.AsyncClient(timeout=timeout) as http:
        client = ShopifyClient(
            http,
            shop_domain=config.domain,
            admin_api_url=config.graphql_url(settings.api_version),
            access_token=config.access_token,
        )
        try:
            return await ShopifyGateway(client).read_order_snapshot(order_id)
        except ShopifyNotFound:
            raise BadInput(f"--order: {config.domain} has no order {order_id}") from None
        except (ShopifyError, httpx.HTTPError) as exc:
            raise BadInput(f"--order: could not read {order_id} from {config.domain}: {exc}") from None


def _choose_store(stores: tuple[StoreConfig, ...], wanted: str | None) -> StoreConfig:
    domains = ", ".join(store.domain for store in stores)
    if wanted is None:
        if len(stores) > 1:
            raise BadInput(f"--store: several stores are configured; name one of {domains}")
        return stores[0]
    found = next((store for store in stores if store.domain == wanted.lower()), None)
    if found is None:
        raise BadInput(f"--store: {wanted} is not in the stores file; name one of {domains}")
    return found


# --- the report -------------------------------------------------------------------------------


def render(decision: Decision, snapshot: Snapshot) -> str:
    """The decision as a rule author reads it: per fulfillment order, the writes, the trace."""
    names = {location.id: location.name for location in snapshot.locations}
    skus = {line.id: line.sku or _tail(line.id) for _, line in snapshot.lines()}

    def name(location_id: str | None) -> str:
        return names.get(location_id or "", location_id or "no location")

    def units(lines: tuple[LineQuantity, ...]) -> str:
        return ", ".join(f"{skus.get(line.id, _tail(line.id))} ×{line.quantity}" for line in lines)

    head = f"{decision.order_name or decision.order_id} ({decision.order_id}) on {decision.store}"
    lines = [head, f"outcome: {decision.outcome}    rule set {decision.ruleset_version}", ""]
    lines.append("fulfillment orders:")
    for fo in decision.fulfillment_orders:
        lines.append(f"  {_short(fo.fulfillment_order_id)}  {fo.action:<4}  {_where(fo, name)}".rstrip())
        for part in fo.parts:
            to = {"move": f"→ {name(part.location_id)}", "keep": f"stays at {name(part.location_id)}"}
            lines.append(
                f"      {part.action} {to.get(part.action, '')}: {units(part.lines)}".replace(" :", ":")
            )
        if fo.strategy:
            lines.append(f"      strategy {fo.strategy}")
        if fo.hold_reason:
            lines.append(f"      hold {fo.hold_reason}: {fo.note}")
        elif fo.note:
            lines.append(f"      {fo.note}")
        if fo.why and fo.strategy is None and fo.why != fo.note:  # a strategy's why repeats the lines above
            lines.append(f"      why: {fo.why}")
    lines += ["", "intents:" if decision.intents else "intents: none (nothing to write)"]
    lines += [f"  {n}. {text}" for n, text in enumerate(_intents(decision.intents, name, units), start=1)]
    lines += ["", "trace:", *(f"  {line}" for line in decision.explain().splitlines())]
    return "\n".join(lines)


def _where(fo: FulfillmentOrderOutcome, name: Namer) -> str:
    source, target = fo.from_location_id, fo.to_location_id
    if fo.action == "move":
        return f"{name(source)} → {name(target)}"
    if fo.action == "keep":
        return f"stays at {name(target or source)}"
    if fo.action == "hold":
        return f"held at {name(source)}"
    if fo.action == "split":
        return f"from {name(source)}, {len(fo.parts)} parts"
    return f"at {name(source)}" if source else ""


def _intents(
    intents: tuple[Intent, ...], name: Namer, units: Callable[[tuple[LineQuantity, ...]], str]
) -> Iterator[str]:
    for intent in intents:
        if isinstance(intent, MoveFulfillmentOrder):
            part = f" ({units(intent.lines)})" if intent.lines else ""
            yield (
                f"move {_short(intent.fulfillment_order_id)}{part}: "
                f"{name(intent.from_location_id)} → {name(intent.to_location_id)}"
            )
        elif isinstance(intent, HoldFulfillmentOrder):
            fo = _short(intent.fulfillment_order_id) + (f" ({units(intent.lines)})" if intent.lines else "")
            yield f"hold {fo}: {intent.reason}, handle {intent.handle}, note: {intent.notes}"
        elif isinstance(intent, ReleaseHold):
            yield f"release hold {intent.handle} on {_short(intent.fulfillment_order_id)}"
        elif isinstance(intent, SetOrderMetafield):
            yield f"set metafield {intent.namespace}.{intent.key} ({intent.type}): {intent.value}"
        elif isinstance(intent, AddOrderTags):
            yield f"add tags {', '.join(intent.tags)}"
        elif isinstance(intent, SendPurchaseOrder):
            lines = ", ".join(f"{line.sku or _tail(line.id)} ×{line.quantity}" for line in intent.lines)
            how = "whole" if intent.whole else "these lines"
            fo = _short(intent.fulfillment_order_id)
            yield (
                f"purchase order to {intent.vendor_name} for {fo} ({lines}): "
                f"850, move {how} {name(intent.from_location_id)} → {name(intent.to_location_id)}, "
                f"hold {intent.handle} until accepted (window {intent.acceptance_minutes} min)"
            )
        else:  # an intent kind newer than this report: show its data rather than nothing
            yield intent.model_dump_json()


def _tail(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


def _short(gid: str) -> str:
    """`gid://shopify/FulfillmentOrder/7002` → `FO 7002`, as staff see it in the admin URL."""
    kind, _, number = gid.removeprefix("gid://shopify/").partition("/")
    return f"FO {number}" if kind == "FulfillmentOrder" else gid


def _path(location: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in location) or "(the whole file)"
