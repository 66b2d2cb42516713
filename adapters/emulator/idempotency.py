"""The `@idempotent(key:)` directive: reading the key, requiring it from 2026-04, replaying answers.

Shopify requires the key on its inventory mutations from 2026-04 (a BAD_REQUEST error without
it, as recorded for locationDeactivate) and answers a retry with the same key and the same input
without applying it again; the same key with other input is refused.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from graphql.execution.values import get_directive_values

from adapters.emulator.outcomes import Outcome, UserError
from adapters.emulator.state import EmulatorState
from adapters.emulator.store import Store
from adapters.emulator.views import Info

REQUIRED_FROM = "2026-04"
MISSING_MESSAGE = "The @idempotent directive is required for this mutation but was not provided."
BLANK_MESSAGE = "The idempotency key cannot be an empty string or whitespace only."
MISMATCH_MESSAGE = "The same idempotency key cannot be used with different operation parameters."


def idempotency_key(info: Info) -> str | None:
    """The key of `@idempotent` on the field being resolved, None when the directive is absent."""
    directive = info.schema.get_directive("idempotent")
    if directive is None:
        return None
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
    return None if values is None else str(values["key"])


def require_key(store: Store, key: str | None) -> None:
    """Refuse a missing key from 2026-04 on, and a blank key in any version (GraphQL errors)."""
    if key is None and store.api_version >= REQUIRED_FROM:
        raise GraphQLError(MISSING_MESSAGE, extensions={"code": "BAD_REQUEST"})
    if key is not None and not key.strip():
        raise GraphQLError(BLANK_MESSAGE, extensions={"code": "BAD_REQUEST"})


@dataclass(frozen=True)
class _Answer:
    fingerprint: str
    outcome: Outcome


# Per emulated world, so that a reset (a new EmulatorState) forgets every key.
_LEDGERS: weakref.WeakKeyDictionary[EmulatorState, dict[tuple[str, str, str], _Answer]] = (
    weakref.WeakKeyDictionary()
)


def replayed(
    state: EmulatorState, store: Store, mutation: str, key: str | None, arguments: dict[str, Any]
) -> Outcome | None:
    """The earlier answer to this key (no webhooks again), a mismatch error, or None if new."""
    if key is None:
        return None
    answer = _LEDGERS.get(state, {}).get((store.domain, mutation, key))
    if answer is None:
        return None
    if answer.fingerprint != _fingerprint(arguments):
        return Outcome.failed(UserError(MISMATCH_MESSAGE, ["input"], "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"))
    return Outcome(objects=answer.outcome.objects, user_errors=answer.outcome.user_errors)


def remember(
    state: EmulatorState,
    store: Store,
    mutation: str,
    key: str | None,
    arguments: dict[str, Any],
    outcome: Outcome,
) -> Outcome:
    """Keep the answer under its key (userErrors too: a retry gets the same answer)."""
    if key is not None:
        ledger = _LEDGERS.setdefault(state, {})
        ledger[(store.domain, mutation, key)] = _Answer(_fingerprint(arguments), outcome)
    return outcome


def _fingerprint(arguments: dict[str, Any]) -> str:
    return json.dumps(arguments, sort_keys=True, default=str)
