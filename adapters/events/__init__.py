"""Signed events for the coordination service: an outbox in SQL and a sender that retries until a 2xx.

Wiring (the composition root): `outbox = EventOutbox(sessions, enabled=settings.events_url is not
None)`; when a URL is set, `sender = EventSender(sessions, client, url=settings.events_url,
secret=settings.events_secret, max_backoff_seconds=settings.events_max_backoff_seconds)`, run
`sender.run()` as a task for the app's lifetime, `sender.stop()` at shutdown. A receiver checks
each request with `verify_signature`.
"""

from adapters.events.outbox import EVENT_TYPES, EventOutbox, EventType, OutboundEvent
from adapters.events.sender import EventSender, SendRound, backoff_seconds
from adapters.events.signature import InvalidSignature, sign, verify_signature

__all__ = [
    "EVENT_TYPES",
    "EventOutbox",
    "EventSender",
    "EventType",
    "InvalidSignature",
    "OutboundEvent",
    "SendRound",
    "backoff_seconds",
    "sign",
    "verify_signature",
]
