"""Relay connections the way Shopify pages them (first/after, last/before, reverse)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from graphql import GraphQLError

from adapters.emulator.ids import numeric

T = TypeVar("T")
MAX_PAGE = 250


def cursor_of(object_id: str) -> str:
    raw = json.dumps(
        {"last_id": numeric(object_id), "last_value": str(numeric(object_id))}, separators=(",", ":")
    )
    return base64.b64encode(raw.encode()).decode()


def _position(cursor: str, ids: list[str]) -> int:
    try:
        last_id = json.loads(base64.b64decode(cursor))["last_id"]
    except (ValueError, KeyError, TypeError):
        raise GraphQLError(f"Invalid cursor for current pagination sort.: {cursor}") from None
    numbers = [numeric(i) for i in ids]
    return numbers.index(last_id) if last_id in numbers else -1


def connection(
    items: Sequence[T],
    view: Callable[[T], dict[str, Any]],
    id_of: Callable[[T], str],
    args: dict[str, Any],
) -> dict[str, Any]:
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    for name, value in (("first", first), ("last", last)):
        if value is not None and (value < 0 or value > MAX_PAGE):
            raise GraphQLError(f"The {name} argument must be between 0 and {MAX_PAGE}.")
    ordered = list(reversed(items)) if args.get("reverse") else list(items)
    ids = [id_of(item) for item in ordered]
    start, end = 0, len(ordered)
    if args.get("after"):
        start = _position(args["after"], ids) + 1
    if args.get("before"):
        found = _position(args["before"], ids)
        end = found if found >= 0 else end
    window = ordered[start:end]
    page = window[:first] if first is not None else window[max(len(window) - (last or 0), 0) :]
    has_next = start + len(page) < end if first is not None else end < len(ordered)
    has_previous = start > 0 if first is not None else len(page) < len(window)
    views = [view(item) for item in page]
    cursors = [cursor_of(id_of(item)) for item in page]
    return {
        "nodes": views,
        "edges": [{"node": v, "cursor": c} for v, c in zip(views, cursors, strict=True)],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
    }
