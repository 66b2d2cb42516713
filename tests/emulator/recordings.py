"""Helpers to replay recorded Shopify exchanges against the emulator and compare the answers."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from graphql import GraphQLSchema, TypeInfo, TypeInfoVisitor, Visitor, parse, print_ast, visit
from graphql.language import REMOVE, FieldNode

from adapters.emulator.schemas import REPO, real_schema, subset_schema

RECORDINGS = Path(
    os.environ.get("ROUTING_SHOPIFY_RECORDINGS", str(REPO.parent / "shared" / "shopify-recordings"))
)
# Values that must match Shopify's exactly; every other scalar only has to be null where Shopify's is.
EXACT = {
    "status",
    "requestStatus",
    "message",
    "code",
    "field",
    "totalQuantity",
    "remainingQuantity",
    "quantity",
    "fulfillableQuantity",
    "heldByRequestingApp",
    "reason",
    "displayReason",
    "handle",
    "reasonNotes",
    "elementIndex",
    "namespace",
    "key",
    "value",
    "type",
    "tags",
}
# Enum values Shopify added after 2026-01 (the recordings are 2026-04; the emulator speaks 2026-01).
NEWER_ACTIONS = {"REPORT_PROGRESS"}


def recording(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDINGS / name).read_text(encoding="utf-8"))
    return data


def to_2026_01(query: str) -> tuple[str, set[str]]:
    """The document without fields 2026-01 lacks (e.g. move `userErrors.code`), and their names."""
    schema: GraphQLSchema = real_schema() or subset_schema()
    info = TypeInfo(schema)
    dropped: set[str] = set()

    class Prune(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> Any:
            if info.get_field_def() is None:
                dropped.add(node.name.value)
                return REMOVE
            return None

    pruned = visit(parse(query), TypeInfoVisitor(info, Prune()))
    return print_ast(pruned), dropped


def learn_ids(recorded: Any, ours: Any, ids: dict[str, str]) -> None:
    """Pair Shopify's ids (and digests) with the emulator's by position in equal-shaped answers."""
    if isinstance(recorded, dict) and isinstance(ours, dict):
        for key, value in recorded.items():
            if key in ("id", "compareDigest") and isinstance(value, str) and isinstance(ours.get(key), str):
                ids.setdefault(value, ours[key])
            else:
                learn_ids(value, ours.get(key), ids)
    elif isinstance(recorded, list) and isinstance(ours, list):
        for r, o in zip(recorded, ours, strict=False):
            learn_ids(r, o, ids)


def remap(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [remap(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: remap(v, ids) for k, v in value.items()}
    return value


def assert_same_answer(recorded: Any, ours: Any, ignored: set[str], path: str = "") -> None:
    if recorded is None or ours is None:
        assert recorded is None and ours is None, f"{path}: Shopify {recorded!r}, emulator {ours!r}"
        return
    if isinstance(recorded, dict):
        assert isinstance(ours, dict), f"{path}: expected an object, got {ours!r}"
        expected = set(recorded) - ignored
        assert set(ours) == expected, f"{path}: keys {sorted(ours)} != Shopify's {sorted(expected)}"
        for key in expected:
            if key == "supportedActions":
                wanted = [a for a in recorded[key] if a["action"] not in NEWER_ACTIONS]
                assert ours[key] == wanted, f"{path}.{key}: {ours[key]} != {wanted}"
            elif key in EXACT:
                assert ours[key] == recorded[key], (
                    f"{path}.{key}: emulator {ours[key]!r} != Shopify {recorded[key]!r}"
                )
            else:
                assert_same_answer(recorded[key], ours[key], ignored, f"{path}.{key}")
    elif isinstance(recorded, list):
        assert isinstance(ours, list) and len(ours) == len(recorded), f"{path}: {ours!r} vs {recorded!r}"
        for index, (r, o) in enumerate(zip(recorded, ours, strict=True)):
            assert_same_answer(r, o, ignored, f"{path}[{index}]")
