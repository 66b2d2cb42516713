"""Structured logs: one JSON object per line, or readable text in a terminal; secrets never written.

Every line carries `time` (UTC, ISO 8601), `level`, `logger` and `message`, plus the ids of what it
is about when they are known: `shop`, `topic`, `webhook_id`, `order_id`, `decision_id`. They come,
first found first, from `extra={...}` of the call, from the delivery being processed
(`log_context`, set by the workers around each delivery), or from `key=value` pairs the message
already spells out (older lines say `shop=… topic=… webhook_id=…`).

The format is `json`, `text`, or `auto` (text when stderr is a terminal, else JSON), from
`ROUTING_LOG_FORMAT`. Secrets registered with `configure_logging` (access tokens, client secrets,
admin and event tokens) and anything shaped like a Shopify token are replaced by `**********` in
the finished line, whatever put them there (a message, an argument, a traceback).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from adapters.settings import Settings, load_stores

LogFormat = Literal["json", "text", "auto"]
FIELDS = ("shop", "topic", "webhook_id", "order_id", "decision_id")
MASK = "**********"
# Shopify access tokens and secrets by their documented prefixes (admin, custom app, private, shared).
_TOKEN_SHAPE = re.compile(r"\b(?:shpat|shpca|shppa|shpss)_[0-9A-Za-z_-]+")
_IN_MESSAGE = re.compile(r"\b(shop|topic|webhook_id|order_id|decision_id)=([^\s,;]+)")
# Libraries whose per-request lines drown the service's own story.
_CHATTY = ("httpx", "alembic")

_context: ContextVar[dict[str, str] | None] = ContextVar("routing_log_context", default=None)


@contextmanager
def log_context(**fields: str | None) -> Iterator[None]:
    """Attach ids (shop, topic, webhook_id, …) to every line logged inside the block (this task only)."""
    merged = {**(_context.get() or {}), **{k: v for k, v in fields.items() if v is not None}}
    token = _context.set(merged)
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: str | None) -> None:
    """Add ids learned along the way (order, decision) to the current `log_context` block."""
    current = _context.get()
    if current is not None:
        current.update({k: v for k, v in fields.items() if v is not None})


def known_ids(record: logging.LogRecord) -> dict[str, str]:
    """The ids a record is about: from `extra=`, else the delivery's context, else its message."""
    found: dict[str, str] = {}
    for key in FIELDS:
        value = getattr(record, key, None)
        if value is not None:
            found[key] = str(value)
    for key, value in (_context.get() or {}).items():
        found.setdefault(key, value)
    for key, value in _IN_MESSAGE.findall(record.getMessage()):
        found.setdefault(key, value)
    return found


class Scrubber:
    """Replaces registered secrets and token-shaped strings with `MASK`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        # Longest first, so a secret containing another is masked whole; short ones would mask words.
        self._secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _TOKEN_SHAPE.sub(MASK, text)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def __init__(self, scrub: Scrubber | None = None) -> None:
        super().__init__()
        self._scrub = scrub or Scrubber()

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **known_ids(record),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return self._scrub(json.dumps(line, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message [shop=… order_id=…]`, for a person at a terminal."""

    def __init__(self, scrub: Scrubber | None = None) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._scrub = scrub or Scrubber()

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        message = record.getMessage()
        ids = [f"{k}={v}" for k, v in known_ids(record).items() if f"{k}={v}" not in message]
        if ids:
            head, newline, rest = text.partition("\n")  # ids on the first line, before a traceback
            text = f"{head} [{' '.join(ids)}]{newline}{rest}"
        return self._scrub(text)


def formatter_for(log_format: LogFormat, stream: TextIO, secrets: Iterable[str] = ()) -> logging.Formatter:
    """The formatter `log_format` means for `stream` (`auto`: text on a terminal, else JSON)."""
    scrub = Scrubber(secrets)
    is_terminal = hasattr(stream, "isatty") and stream.isatty()
    if log_format == "text" or (log_format == "auto" and is_terminal):
        return TextFormatter(scrub)
    return JsonFormatter(scrub)


class _OurHandler(logging.StreamHandler[TextIO]):
    """Ours, so configuring again replaces it and leaves other handlers (a test's capture) alone."""


def configure_logging(
    level: str, log_format: LogFormat = "auto", *, secrets: Iterable[str] = (), stream: TextIO | None = None
) -> None:
    """Send every logger's records (uvicorn's too, when it is run with `log_config=None`) to `stream`."""
    target = stream or sys.stderr
    handler = _OurHandler(target)
    handler.setFormatter(formatter_for(log_format, target, secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:  # configured again: replace
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper()))
    for chatty in _CHATTY:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings and the stores file hold, to be masked in log lines."""
    values = [s.get_secret_value() for s in (settings.admin_token, settings.events_secret) if s is not None]
    if settings.stores_file is not None and settings.stores_file.is_file():
        for store in load_stores(settings.stores_file):
            values += [store.access_token.get_secret_value()]
            values += [secret.get_secret_value() for secret in store.client_secrets]
    return values
