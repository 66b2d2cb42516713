"""Which rules' conditions hold for which fulfillment orders, decided by durable_rules.

The matcher talks to durable_rules' C core (`durable_rules_engine`) directly: the Python `Host`
around it runs every action through closures, JSON state round trips and timers, which cost
about three quarters of a match; we only need the names of the rules that fired.

Precautions (durable_rules 2.0.28 is a C core with global state and sharp edges):
- one module-level lock serialises every call into durable_rules;
- all fulfillment orders of a decision go in one `assert_facts` call, under a fresh session
  id, and that session is deleted in `finally` (a ruleset holds at most 1,024 live sessions);
- the compiler's sentinel rule fires once per fact, so a session always has a fired rule
  (deleting one that has none crashes) and a fact it did not see is an engine fault;
- each compiled rule set is registered once, named by its version, and its fact builder is
  prepared with it.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass
from typing import Any

from durable.engine import durable_rules_engine as _core

from engine.compiler import SENTINEL_RULE, CompiledRules, compile_rules
from engine.facts import Fact, FactBuilder
from engine.ruleset import RuleSet, ruleset_version

_SENTINEL = -1
_HANDLED, _NOT_HANDLED, _OBSERVED = 0, 1, 2


@dataclass(frozen=True)
class Prepared:
    """A rule set as registered with durable_rules, with the builder of its facts."""

    name: str
    handle: int
    compiled: CompiledRules
    builder: FactBuilder


_LOCK = threading.Lock()
_REGISTERED: dict[str, Prepared] = {}
_SESSION_IDS = itertools.count(1)
_open_sessions = 0


def prepared(ruleset: RuleSet) -> Prepared:
    """The registered form of a rule set (registered with durable_rules on first use)."""
    with _LOCK:
        return _register(ruleset)


def compiled_rules(ruleset: RuleSet) -> CompiledRules:
    return prepared(ruleset).compiled


def match(ruleset: RuleSet, facts: list[Fact]) -> tuple[frozenset[int], ...]:
    """For each fact, the indexes of the rules (hold rules, then strategies) that hold."""
    if not facts:
        return ()
    with _LOCK:
        registered = _register(ruleset)
        sid = f"decision-{next(_SESSION_IDS)}"
        messages = [{**fact, "sid": sid, "fo": index} for index, fact in enumerate(facts)]
        hits = _assert(registered, sid, json.dumps(messages))
    found: list[set[int]] = [set() for _ in facts]
    seen: set[int] = set()
    for fact_index, rule_index in hits:
        if rule_index == _SENTINEL:
            seen.add(fact_index)
        else:
            found[fact_index].add(rule_index)
    if len(seen) != len(facts):
        raise RuntimeError(f"durable_rules saw {len(seen)} of {len(facts)} facts")
    return tuple(frozenset(rules) for rules in found)


def open_sessions() -> int:
    """durable_rules sessions currently alive (0 between decisions)."""
    return _open_sessions


def fire(prepared_rules: Prepared, fact: Fact) -> list[str]:
    """The names of the rules that fire for one fact, in firing order (for specifications)."""
    with _LOCK:
        sid = f"probe-{next(_SESSION_IDS)}"
        names: list[str] = []
        _assert(prepared_rules, sid, json.dumps([{**fact, "sid": sid, "fo": 0}]), names)
        return names


def _assert(
    registered: Prepared, sid: str, payload: str, names: list[str] | None = None
) -> list[tuple[int, int]]:
    """Assert the facts in a fresh session, collect (fact, rule) firings, delete the session."""
    global _open_sessions
    handle = registered.handle
    hits: list[tuple[int, int]] = []
    _open_sessions += 1
    try:
        result = _core.assert_facts(handle, payload)
        if result[0] in (_NOT_HANDLED, _OBSERVED):  # cannot happen while the sentinel matches all
            raise RuntimeError(f"durable_rules did not handle the facts (code {result[0]})")
        state = result[1]
        action: Any = _core.start_action_for_state(handle, state)
        message = action[1] if action else None
        while message:
            for rule, frame in json.loads(message).items():
                hits.append((int(frame["m"]["fo"]), _rule_index(rule)))
                if names is not None:
                    names.append(rule)
            message = _core.complete_and_start_action(handle, state)
    finally:
        _core.delete_state(handle, sid)
        _open_sessions -= 1
    return hits


def _rule_index(name: str) -> int:
    return _SENTINEL if name == SENTINEL_RULE else int(name[:3])


def _register(ruleset: RuleSet) -> Prepared:
    key = ruleset.version or ruleset_version(ruleset)
    registered = _REGISTERED.get(key)
    if registered is None:
        compiled = compile_rules(ruleset.rule_conditions())
        if compiled.issues:
            raise ValueError("; ".join(issue.message for issue in compiled.issues))
        name = f"routing-{key}"
        handle = _core.create_ruleset(name, json.dumps(compiled.definition, ensure_ascii=False))
        registered = Prepared(name, handle, compiled, FactBuilder(compiled.schema))
        _REGISTERED[key] = registered
    return registered
