"""The decision summary written to the order metafield `routing_engine.decision` (type `json`).

Shape (version 1), keys sorted, no clock values, so equal decisions give byte-equal values:

    {"fulfillment_orders": [{"action": "move", "from": "gid://shopify/Location/1",
                             "hold_reason": null, "id": "gid://shopify/FulfillmentOrder/9",
                             "note": "", "strategy": "us-ship-complete",
                             "to": "gid://shopify/Location/2"}, ...],
     "outcome": "routed", "ruleset": "6475eced7c23", "version": 1}

`action` is move, keep, hold or split; skipped fulfillment orders are not listed; entries are
sorted by id. `outcome` is routed or held. Two keys appear only when they have content: `why`, a
short account of the choice (at most 200 characters: the strategy, the location, the reason it
waits), and, for a split, `parts`: `[{"action": "move", "to": "<location GID>", "lines": 2}, …]`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from engine.decision import FulfillmentOrderOutcome
from engine.intents import DECISION_METAFIELD_KEY, DECISION_METAFIELD_NAMESPACE
from engine.model import Snapshot

SUMMARY_VERSION = 1
_METAFIELD = f"{DECISION_METAFIELD_NAMESPACE}.{DECISION_METAFIELD_KEY}"


def summarize(ruleset_version: str, outcome: str, outcomes: Sequence[FulfillmentOrderOutcome]) -> str:
    entries = [
        _entry(o) for o in sorted(outcomes, key=lambda o: o.fulfillment_order_id) if o.action != "skip"
    ]
    document = {
        "version": SUMMARY_VERSION,
        "ruleset": ruleset_version,
        "outcome": outcome,
        "fulfillment_orders": entries,
    }
    return _ENCODER.encode(document)


# json.dumps(…, sort_keys=True, separators=(",", ":"), ensure_ascii=False), its encoder made once
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _entry(o: FulfillmentOrderOutcome) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": o.fulfillment_order_id,
        "action": o.action,
        "strategy": o.strategy,
        "from": o.from_location_id,
        "to": o.to_location_id,
        "hold_reason": o.hold_reason,
        "note": o.note,
    }
    if o.why:
        entry["why"] = o.why
    if o.parts:
        entry["parts"] = [{"action": p.action, "to": p.location_id, "lines": len(p.lines)} for p in o.parts]
    return entry


def settled(existing: str | None, summary: str) -> bool:
    """Does the stored summary already describe this placement?

    A stored `move` to X equals a `keep` at X: after our move, Shopify shows the fulfillment
    order at X, and re-deciding must not rewrite the metafield only to say "keep". The `why`
    texts do not count: they describe the reasoning, which differs once the order is in place.
    """
    if existing is None:
        return False
    if existing == summary:
        return True
    try:
        stored = json.loads(existing)
    except ValueError:
        return False
    return isinstance(stored, dict) and _placed(stored) == _placed(json.loads(summary))


def _placed(document: dict[str, Any]) -> dict[str, Any]:
    entries = []
    for entry in document.get("fulfillment_orders") or []:
        if isinstance(entry, dict):
            entry = {key: value for key, value in entry.items() if key != "why"}
            if entry.get("action") == "move":
                entry = {**entry, "action": "keep", "from": entry.get("to")}
        entries.append(entry)
    return {**document, "fulfillment_orders": entries}


def decided_destinations(snapshot: Snapshot) -> frozenset[str]:
    """Locations the decision stored on the order (its metafield) sent fulfillment orders to."""
    return _destinations(snapshot.order.metafields.get(_METAFIELD))


@lru_cache(maxsize=256)
def _destinations(stored: str | None) -> frozenset[str]:
    try:
        document = json.loads(stored) if stored else {}
    except ValueError:
        return frozenset()
    found: set[str] = set()
    for entry in document.get("fulfillment_orders") or () if isinstance(document, dict) else ():
        if isinstance(entry, dict):
            found.update(
                str(e["to"])
                for e in [entry, *(entry.get("parts") or ())]
                if isinstance(e, dict) and e.get("to")
            )
    return frozenset(found)
