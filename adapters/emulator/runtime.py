"""The running emulator: state, per-store cost buckets, faults, webhooks and the mutation log."""

from __future__ import annotations

import uuid
from typing import Any

from adapters.emulator.faults import Faults
from adapters.emulator.outcomes import WebhookEvent
from adapters.emulator.resolvers import MutationRecord
from adapters.emulator.scenario import Scenario
from adapters.emulator.state import EmulatorState
from adapters.emulator.store import Store
from adapters.emulator.throttle import CostBucket
from adapters.emulator.webhooks import CONCURRENCY, WebhookDispatcher


class Emulator:
    def __init__(
        self, scenario: Scenario, webhook_url: str | None = None, webhook_senders: int = CONCURRENCY
    ) -> None:
        self.scenario = scenario
        self.webhooks = WebhookDispatcher(webhook_url, webhook_senders)
        self.faults = Faults()
        self.reset()

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
        """Queue webhooks of one merchant action; they share an event id, as Shopify's do."""
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
