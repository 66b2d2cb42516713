"""The emulator's own subset schema and, when present, the real Admin schema to validate against."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from graphql import GraphQLSchema, build_schema

REPO = Path(__file__).resolve().parents[2]
SUBSET_SDL = Path(__file__).with_name("schema.graphql")


def real_schema_path() -> Path:
    default = REPO.parent / "shared" / "shopify-admin-schema" / "admin-2026-01.graphql"
    return Path(os.environ.get("ROUTING_SHOPIFY_SCHEMA", str(default)))


@functools.cache
def subset_schema() -> GraphQLSchema:
    return build_schema(SUBSET_SDL.read_text(encoding="utf-8"))


@functools.cache
def _real_schema(path: Path) -> GraphQLSchema | None:
    if not path.is_file():
        return None
    # graphql-core 3.3 rejects the real SDL's deprecation inconsistencies unless told to trust it.
    return build_schema(path.read_text(encoding="utf-8"), assume_valid=True)


def real_schema() -> GraphQLSchema | None:
    """Built once per path (about a second), on first use; None when the file is absent."""
    return _real_schema(real_schema_path())
