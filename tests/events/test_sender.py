"""The sender POSTs each event signed to a real receiver, and retries with backoff until a 2xx."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.events import EventOutbox, EventSender, backoff_seconds
from adapters.store import create_engine, migrate, session_factory
from tests.events.conftest import SECRET, Receiver


def sender_for(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, url: str, **options: object
) -> EventSender:
    settings: dict[str, object] = {"base_backoff_seconds": 0.01, "max_backoff_seconds": 0.05}
    settings |= {"poll_seconds": 0.02, "timeout_seconds": 2.0}
    return EventSender(sessions, client, url=url, secret=SECRET, **{**settings, **options})  # type: ignore[arg-type]


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "not within the time allowed"
        await asyncio.sleep(0.01)


async def test_an_event_is_posted_as_json_with_its_id_type_timestamp_and_a_signature_that_verifies(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, receiver: Receiver
) -> None:
    outbox = EventOutbox(sessions)
    event_id = await outbox.publish("handoff.created", {"handoff": {"id": "h1", "status": "open"}})
    assert event_id is not None

    sent = await sender_for(sessions, client, receiver.url).send_due()

    assert (sent.delivered, sent.failed) == (1, 0)
    [request] = receiver.received
    assert request.verified == "ok"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-routing-event-id"] == event_id
    assert request.headers["x-routing-event-type"] == "handoff.created"
    body = json.loads(request.body)
    assert body["id"] == event_id and body["type"] == "handoff.created"
    assert body["data"] == {"handoff": {"id": "h1", "status": "open"}}
    event = await outbox.get(event_id)
    assert event is not None and event.delivered_at is not None and event.attempts == 1
    assert await outbox.undelivered() == []


async def test_an_event_is_tried_again_until_the_receiver_answers_2xx(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.script = [500, 503, 404, 302]
    outbox = EventOutbox(sessions)
    event_id = await outbox.publish("handoff.completed", {"handoff": {"id": "h1"}})
    sender = sender_for(sessions, client, receiver.url)
    running = asyncio.create_task(sender.run())

    async def acknowledged() -> bool:
        event = await outbox.get(str(event_id))
        return event is not None and event.delivered_at is not None

    await until(acknowledged)
    sender.stop()
    await running
    assert receiver.event_ids() == [event_id] * 5
    assert all(request.verified == "ok" for request in receiver.received)
    event = await outbox.get(str(event_id))
    assert event is not None and event.attempts == 5 and event.last_error is None


async def test_a_failed_attempt_waits_out_an_exponential_backoff_and_says_what_went_wrong(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, receiver: Receiver
) -> None:
    now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    receiver.script = [503] * 10
    outbox = EventOutbox(sessions, clock=lambda: now)
    event_id = str(await outbox.publish("handoff.failed", {"handoff": {"id": "h1"}}))
    sender = sender_for(
        sessions,
        client,
        receiver.url,
        base_backoff_seconds=2.0,
        max_backoff_seconds=30.0,
        clock=lambda: now,
        jitter=lambda: 0.0,
    )
    waits = []
    for _ in range(6):
        assert (await sender.send_due()).failed == 1
        assert (await sender.send_due()).failed == 0  # not due again before its backoff ends
        event = await outbox.get(event_id)
        assert event is not None
        waits.append((event.next_attempt_at - now).total_seconds())
        now = event.next_attempt_at
    assert waits == [1.0, 2.0, 4.0, 8.0, 15.0, 15.0]  # half of 2·2^(n-1) with jitter 0, capped at 30/2
    assert (
        event is not None
        and event.attempts == 6
        and event.last_error is not None
        and event.last_error.startswith("HTTP 503")
    )


def test_the_backoff_doubles_is_capped_and_jitter_spreads_it_over_its_upper_half() -> None:
    assert [backoff_seconds(n, base=1, cap=300, jitter=0.0) for n in (1, 2, 3, 9, 10, 50)] == [
        0.5,
        1.0,
        2.0,
        128.0,
        150.0,
        150.0,
    ]
    assert backoff_seconds(3, base=1, cap=300, jitter=0.999) == pytest.approx(3.998)
    assert backoff_seconds(1000, base=1, cap=300, jitter=1.0) == 300.0


async def test_no_answer_counts_as_a_failure_and_is_tried_again(
    sessions: async_sessionmaker[AsyncSession], client: httpx.AsyncClient
) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outbox = EventOutbox(sessions)
    event_id = str(await outbox.publish("decision.made", {"order_id": "o1"}))
    sent = await sender_for(sessions, client, f"http://127.0.0.1:{port}/events").send_due()
    event = await outbox.get(event_id)
    assert sent.failed == 1 and event is not None and event.delivered_at is None
    assert event.last_error is not None and event.last_error.startswith("no answer: ConnectError")


async def test_nothing_is_lost_across_a_restart_of_the_sender(
    database_url: str, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    """Events refused before a restart, and one claimed by a sender that died mid-send, all arrive."""
    first_engine = create_engine(database_url)
    await migrate(first_engine)
    first = session_factory(first_engine)
    outbox = EventOutbox(first)
    published = [str(await outbox.publish("decision.made", {"n": n})) for n in range(4)]
    receiver.script = [503] * 4
    assert (await sender_for(first, client, receiver.url).send_due()).failed == 4

    hanging = asyncio.Event()
    # A sender killed while its request is on the wire: its claim outlives it.
    straggler = str(await outbox.publish("handoff.created", {"n": 99}))
    stuck = httpx.AsyncClient(transport=_Hanging(hanging))
    dying = sender_for(first, stuck, "http://coordinator.test/events")
    attempt = asyncio.create_task(dying.send_due())
    await hanging.wait()
    attempt.cancel()
    with pytest.raises(asyncio.CancelledError):
        await attempt
    await stuck.aclose()
    await first_engine.dispose()

    second_engine = create_engine(database_url)
    second = session_factory(second_engine)
    later = datetime.now(UTC) + timedelta(minutes=1)  # past the dead sender's claim
    restarted = sender_for(second, client, receiver.url, clock=lambda: later)
    running = asyncio.create_task(restarted.run())

    async def all_acknowledged() -> bool:
        return await EventOutbox(second).undelivered() == []

    await until(all_acknowledged)
    restarted.stop()
    await running
    await second_engine.dispose()
    assert sorted(set(receiver.event_ids())) == sorted([*published, straggler])
    assert all(request.verified == "ok" for request in receiver.received[4:])


class _Hanging(httpx.AsyncBaseTransport):
    """A connection that never answers; tells when the request went out."""

    def __init__(self, sent: asyncio.Event) -> None:
        self._sent = sent

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self._sent.set()
        await asyncio.Event().wait()
        raise AssertionError("never answered")
