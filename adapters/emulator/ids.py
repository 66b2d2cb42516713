"""Shopify global ids (GIDs) and the allocator that hands them out."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

_GID = re.compile(r"^gid://shopify/(?P<kind>[A-Za-z]+)/(?P<number>\d+)(?:\?.*)?$")


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value: str) -> tuple[str, int] | None:
    """`("FulfillmentOrder", 5)` for a well-formed GID, else None."""
    match = _GID.match(value)
    if match is None:
        return None
    return match.group("kind"), int(match.group("number"))


def numeric(value: str) -> int:
    parsed = parse_gid(value)
    return parsed[1] if parsed else 0


class IdAllocator:
    """One counter per resource kind; ids are unique across all stores of an emulator, like Shopify's."""

    def __init__(self, start: int = 1) -> None:
        self._start = start
        self._counters: dict[str, Iterator[int]] = {}

    def next(self, kind: str) -> str:
        counter = self._counters.setdefault(kind, itertools.count(self._start))
        return gid(kind, next(counter))

    def reserve(self, kind: str, number: int) -> str:
        """Use an explicit id (from a scenario) and keep later ids above it."""
        current = self._counters.get(kind)
        following = next(current) if current is not None else self._start
        self._counters[kind] = itertools.count(max(following, number + 1))
        return gid(kind, number)
