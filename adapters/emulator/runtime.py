"""The running emulator: state, per-store cost buckets, faults, webhooks and the mutation log."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from adapters.emulator.faults import Faults
from adapters.emulator.inventory import InventoryLevel
from adapters.emulator.outcomes import WebhookEvent
from adapters.emulator.resolvers import MutationRecord
from adapters.emulator.scenario import Scenario
from adapters.emulator.state import EmulatorState
from adapters.emulator.store import Store
from adapters.emulator.throttle import CostBucket
from adapters.emulator.webhooks import CONCURRENCY, WebhookDispatcher

LEVEL_TOPIC = "inventory_levels/update"


class Emulator:
    def __init__(
        self, scenario: Scenario, webhook_url: str | None = None, webhook_senders: int = CONCURRENCY
    ) -> None:
        self.scenario = scenario
        self.webhooks = WebhookDispatcher(webhook_url, webhook_senders)
        self.faults = Faults()
        # The subscribed topics, as a shop's subscriptions; None: every topic but the level updates,
        # which every order sends several of and most specs do not read.
        self.topics: frozenset[str] | None = None
        self.reset()

    def subscribe(self, topics: Iterable[str] | None) -> None:
        self.topics = None if topics is None else frozenset(topics)

    def sends(self, topic: str) -> bool:
        return topic != LEVEL_TOPIC if self.topics is None else topic in self.topics

    def reset(self) -> None:
        """Back to the scenario's initial state; webhook URL and delivery worker stay."""
        self.state = EmulatorState(self.scenario)
        self.buckets = {
            domain: CostBucket(store.maximum_available, store.restore_rate)
            for domain, store in self.state.stores.items()
        }
        self.mutations: list[MutationRecord] = []
        self.faults.clear()
        self.webhooks.clear()

    def emit(self, store: Store, events: list[WebhookEvent]) -> None:
        """Queue webhooks of one merchant action; they share an event id, as Shopify's do.

        The levels the action changed each add an `inventory_levels/update`.
        """
        changed = store.inventory.take_changed()
        if self.sends(LEVEL_TOPIC):
            events = [*events, *(level_update(level) for level in changed)]
        events = [event for event in events if self.sends(event.topic)]
        if not events:
            return
        event_id = str(uuid.uuid4())
        for event in events:
            self.webhooks.enqueue(
                store.domain, store.api_version, store.client_secret, event.topic, event.payload, event_id
            )

    def accounting(self) -> dict[str, Any]:
        return {
            domain: {
                "calls": bucket.calls,
                "points_spent": bucket.points_spent,
                "throttled": bucket.throttled,
                "throttle_status": bucket.status(),
            }
            for domain, bucket in self.buckets.items()
        }


def level_update(level: InventoryLevel) -> WebhookEvent:
    """The `inventory_levels/update` payload: numeric ids, the new `available`, when."""
    item, location = level.item_id.rsplit("/", 1)[-1], level.location_id.rsplit("/", 1)[-1]
    return WebhookEvent(
        LEVEL_TOPIC,
        {
            "inventory_item_id": int(item),
            "location_id": int(location),
            "available": level.available,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "admin_graphql_api_id": level.id,
        },
    )
