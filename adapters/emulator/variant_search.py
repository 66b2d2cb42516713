"""`productVariants(query:)` by SKU: `sku:X` terms joined by OR, values bare or double-quoted."""

from __future__ import annotations

import re

from graphql import GraphQLError

from adapters.emulator.inventory import InventoryItem

_TERM = re.compile(
    r'\s*(?:(?P<or>OR)\s+)?(?P<name>[A-Za-z_]+):(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>\S+))'
)


def skus_of(query: str | None) -> set[str] | None:
    """The SKUs a search names; None for no search. Other terms are not emulated and raise."""
    if not query or not query.strip():
        return None
    skus: set[str] = set()
    position = 0
    while position < len(query):
        match = _TERM.match(query, position)
        if match is None or match.group("name").lower() != "sku":
            raise GraphQLError(f"the emulator supports only sku:<value> terms joined by OR, not {query!r}")
        if skus and match.group("or") is None:
            raise GraphQLError(f"the emulator supports only OR between sku terms, not {query!r}")
        quoted = match.group("quoted")
        skus.add(re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else match.group("bare"))
        position = match.end()
        if not query[position:].strip():
            break
    return skus


def matching(items: list[InventoryItem], query: str | None) -> list[InventoryItem]:
    """The items (one per variant) whose SKU the search names, in id order."""
    skus = skus_of(query)
    return [item for item in items if skus is None or item.sku in skus]
