"""Small steps of processing a delivery: reading its body, and walking a decision's outbox."""

from __future__ import annotations

import json
from typing import Any

from adapters.shopify.outcomes import IntentResult
from adapters.store import StoredIntent
from adapters.store.decision_log import FINAL_INTENT_STATES
from engine.intents import AddOrderTags, Intent, SetOrderMetafield


class MalformedDelivery(Exception):
    """A signed delivery whose payload lacks what its topic promises; kept, never retried."""


class RetryLater(Exception):
    """The delivery cannot go on now (order busy); it is retried after `delay` seconds."""

    def __init__(self, reason: str, delay: float = 0.5) -> None:
        super().__init__(reason)
        self.delay = delay


def settled_row(intent: Intent, result: IntentResult) -> dict[str, Any]:
    """What an intent's settled row keeps of its write."""
    return {
        "detail": result.detail,
        "new_ids": result.new_ids,
        "created_ids": list(result.created_ids),
        "intent": intent.model_dump(mode="json"),
    }


def json_object(raw: str) -> dict[str, Any]:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise MalformedDelivery("stored body is not a JSON object")
    return value


def fulfillment_order_of(body: dict[str, Any]) -> str:
    fulfillment_order = body.get("fulfillment_order")
    fo_id = fulfillment_order.get("id") if isinstance(fulfillment_order, dict) else None
    if not isinstance(fo_id, str) or not fo_id.startswith("gid://shopify/FulfillmentOrder/"):
        raise MalformedDelivery(
            "payload has no fulfillment_order.id GID (expected gid://shopify/FulfillmentOrder/<n>)"
        )
    return fo_id


def annotation_pair(intents: list[StoredIntent], index: int) -> list[StoredIntent] | None:
    """The decision metafield and the tags of one order, both still to do: sent as one request."""
    pair = intents[index : index + 2]
    if len(pair) != 2 or any(item.state in FINAL_INTENT_STATES for item in pair):
        return None
    metafield, tags = (item.intent for item in pair)
    if isinstance(metafield, SetOrderMetafield) and isinstance(tags, AddOrderTags):
        return pair if metafield.order_id == tags.order_id else None
    return None


def collect_new_ids(stored: StoredIntent, renamed: dict[str, str]) -> None:
    if stored.result and isinstance(stored.result.get("new_ids"), dict):
        renamed.update(stored.result["new_ids"])


def renamed_intent(intent: Intent, renamed: dict[str, str]) -> Intent:
    fo_id = getattr(intent, "fulfillment_order_id", None)
    if fo_id is None or fo_id not in renamed:
        return intent
    return intent.model_copy(update={"fulfillment_order_id": renamed[fo_id]})
