"""Structured logs: one JSON object per line with the ids of what it is about, readable text in a
terminal, and no secret in any line."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.logs import (
    JsonFormatter,
    TextFormatter,
    configure_logging,
    formatter_for,
    log_context,
)
from adapters.processing import Result
from adapters.settings import ConfigurationError, load_settings
from adapters.store import Delivery, Inbox, NewDelivery, OrderLocks, create_engine, migrate, session_factory
from adapters.workers import WorkerPool

SHOP = "north-wind-us.myshopify.com"
ORDER = "gid://shopify/Order/1001"
TOKEN = "shpat_0123456789abcdef0123456789abcdef"
CLIENT_SECRET = "hush-client-secret-42"
NOTE = "decision d-7: routed, completed"
logger = logging.getLogger("tests.service.test_logs")


class Capture:
    """A handler on the root logger writing through one of our formatters into a string."""

    def __init__(self, formatter: logging.Formatter) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(formatter)

    @property
    def lines(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def json_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]  # each line must be one JSON object


@pytest.fixture
def capture_json(caplog: pytest.LogCaptureFixture) -> Iterator[Capture]:
    caplog.set_level(logging.INFO)
    capture = Capture(formatter_for("json", io.StringIO(), secrets=[CLIENT_SECRET]))
    logging.getLogger().addHandler(capture.handler)
    yield capture
    logging.getLogger().removeHandler(capture.handler)


class DecidingRouter:
    """Logs as processing does, without ids in its words, and answers with the decision's ids."""

    def __init__(self) -> None:
        self.done = asyncio.Event()

    async def process(self, delivery: Delivery, *, owner: str) -> Result:
        logger.info("read the snapshot")
        self.done.set()
        return Result("done", NOTE, ORDER, "d-7")


@pytest.fixture
async def inbox(tmp_path: Path) -> AsyncIterator[tuple[Inbox, OrderLocks]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/routing.db")
    await migrate(engine)
    sessions = session_factory(engine)
    yield Inbox(sessions), OrderLocks(sessions)
    await engine.dispose()


async def test_every_line_of_a_processed_delivery_is_json_with_its_ids(
    inbox: tuple[Inbox, OrderLocks], capture_json: Capture
) -> None:
    store, locks = inbox
    await store.store(
        NewDelivery(
            webhook_id="wh-1", shop=SHOP, topic="fulfillment_orders/order_routing_complete", body="{}"
        )
    )
    router = DecidingRouter()
    pool = WorkerPool(inbox=store, locks=locks, router=router, size=1, lease_seconds=30)
    pool.start()
    await asyncio.wait_for(router.done.wait(), 10)
    await pool.stop(grace_seconds=5)
    lines = capture_json.json_lines()
    ours = [line for line in lines if line["logger"] in (logger.name, "adapters.workers")]
    assert [line["message"] for line in ours] == ["read the snapshot", f"delivery 1 done: {NOTE}"]
    for line in ours:
        assert set(line) >= {"time", "level", "logger", "message", "shop", "topic", "webhook_id"}
        assert (line["shop"], line["topic"], line["webhook_id"]) == (
            SHOP,
            "fulfillment_orders/order_routing_complete",
            "wh-1",
        )
        assert line["level"] == "info" and line["time"].endswith("+00:00")
    assert (ours[-1]["order_id"], ours[-1]["decision_id"]) == (ORDER, "d-7")  # learned from the result


def test_ids_come_from_extra_then_the_context_then_the_message(capture_json: Capture) -> None:
    with log_context(shop=SHOP, topic="orders/paid"):
        logger.info("deciding again", extra={"order_id": ORDER, "topic": "orders/updated"})
    logger.info("webhook stored shop=%s topic=%s webhook_id=%s", SHOP, "orders/paid", "wh-9")
    logger.info("nothing known here")
    first, second, third = capture_json.json_lines()
    assert (first["shop"], first["topic"], first["order_id"]) == (SHOP, "orders/updated", ORDER)
    assert (second["shop"], second["topic"], second["webhook_id"]) == (SHOP, "orders/paid", "wh-9")
    assert set(third) == {"time", "level", "logger", "message"}  # ids only when known


def test_an_error_keeps_its_traceback_inside_the_one_json_line(capture_json: Capture) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logger.exception("delivery raised")
    (line,) = capture_json.json_lines()
    assert line["level"] == "error" and "RuntimeError: boom" in line["error"]


def test_text_mode_reads_as_a_sentence_with_the_ids_after_it() -> None:
    capture = Capture(formatter_for("text", io.StringIO()))
    record = logger.makeRecord(logger.name, logging.WARNING, __file__, 1, "order %s busy", (ORDER,), None)
    with log_context(shop=SHOP, webhook_id="wh-2"):
        text = capture.handler.format(record)
    assert " WARNING tests.service.test_logs: order gid://shopify/Order/1001 busy [shop=" in text
    assert text.endswith(f"[shop={SHOP} webhook_id=wh-2]")
    assert not text.startswith("{")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_is_text_on_a_terminal_and_json_elsewhere() -> None:
    assert isinstance(formatter_for("auto", Terminal()), TextFormatter)
    assert isinstance(formatter_for("auto", io.StringIO()), JsonFormatter)
    assert isinstance(formatter_for("json", Terminal()), JsonFormatter)


def test_no_secret_reaches_a_line_whatever_carries_it(capture_json: Capture) -> None:
    logger.info("calling with token %s", TOKEN)  # token-shaped: masked though never registered
    logger.info("the secret is %s", CLIENT_SECRET)  # registered with the formatter
    logger.info("settings", extra={"shop": SecretStr(CLIENT_SECRET)})  # a SecretStr prints masked
    try:
        raise ValueError(f"bad signature with {CLIENT_SECRET}")
    except ValueError:
        logger.exception("failed")
    text = capture_json.stream.getvalue()
    assert TOKEN not in text and CLIENT_SECRET not in text
    assert text.count("**********") >= 4
    assert all(json.loads(line) for line in capture_json.lines)  # masking keeps every line JSON


def test_configuring_again_replaces_our_handler_and_leaves_others_alone() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    first, second = io.StringIO(), io.StringIO()
    try:
        configure_logging("info", "json", stream=first)
        configure_logging("warning", "text", stream=second, secrets=[CLIENT_SECRET])
        ours = [h for h in root.handlers if type(h).__name__ == "_OurHandler"]
        others = [h for h in before if type(h).__name__ != "_OurHandler"]
        assert len(ours) == 1 and all(h in root.handlers for h in others)
        logger.warning("secret %s", CLIENT_SECRET)
        assert first.getvalue() == ""
        assert "secret **********" in second.getvalue()
        assert logging.getLogger("httpx").level == logging.WARNING  # per-request lines stay quiet
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
        root.setLevel(level)


def test_the_log_format_setting_accepts_json_text_or_auto_only() -> None:
    assert load_settings({"ROUTING_LOG_FORMAT": "text"}).log_format == "text"
    assert load_settings({}).log_format == "auto"
    with pytest.raises(ConfigurationError, match="ROUTING_LOG_FORMAT"):
        load_settings({"ROUTING_LOG_FORMAT": "xml"})
