"""Which rules' conditions hold for which fulfillment orders, decided by durable_rules.

The matcher talks to durable_rules' C core (`durable_rules_engine`) directly: the Python `Host`
around it runs every action through closures, JSON state round trips and timers, which cost
about three quarters of a match; we only need the names of the rules that fired.

Precautions (durable_rules 2.0.28 is a C core with global state and sharp edges):
- one module-level lock serialises every call into durable_rules;
- all fulfillment orders of a decision go in one `assert_facts` call;
- every question to durable_rules gets a fresh session id, and the session is deleted in
  `finally`: nothing of one decision can leak into the next, and a ruleset's limit of 1,024
  live sessions is never approached (a session costs 40-160 µs to create; remembered answers,
  below, mean few decisions need one);
- every fact carries an id unique to its assertion, so durable never takes a fact for one it
  has already seen;
- the compiler's sentinel rule fires once per fact, so every fact is handled (`assert_facts`
  runs no action when one fact of a batch matches nothing), a session always has a fired rule
  (deleting one that has none crashes), and a fact it did not see is an engine fault;
- each compiled rule set is registered once, named by its version, and its fact builder is
  prepared with it.

durable_rules' answer depends only on what its tests can tell apart in a fact (`FactBuilder.key`:
the texts the rules name, the side of each compared number, the flags), and many orders look
alike to the rules. Each rule set remembers the answers for the keys it has seen, so durable_rules
is asked once per kind of fulfillment order rather than once per order.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from durable.engine import durable_rules_engine as _core

from engine.compiler import SENTINEL_RULE, CompiledRules, compile_rules
from engine.facts import Fact, FactBuilder
from engine.model import FulfillmentOrder, Snapshot
from engine.ruleset import RuleSet, ruleset_version

_SENTINEL = -1
_FACT_NUMBER = re.compile(r'"fo": ?(\d+)')  # a key only: quotes inside values are escaped
_NOT_HANDLED, _OBSERVED = 1, 2
MAX_ANSWERS = 4096  # remembered answers per rule set; forgotten all at once when full; 0: none
STATS = {"facts": 0, "asked": 0}  # facts matched, and of them asked of durable_rules (not remembered)


@dataclass
class Prepared:
    """A rule set as registered with durable_rules, with the builder of its facts."""

    name: str
    handle: int
    compiled: CompiledRules
    builder: FactBuilder
    answers: dict[tuple[Any, ...], frozenset[int]] = field(default_factory=dict)  # by fact key


_LOCK = threading.Lock()
_REGISTERED: dict[str, Prepared] = {}
_IDS = itertools.count(1)


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
        keys = [registered.builder.key(fact) for fact in facts]
        return _answer(registered, keys, facts.__getitem__)


def match_orders(
    ruleset: RuleSet, snapshot: Snapshot, fos: Sequence[FulfillmentOrder]
) -> tuple[frozenset[int], ...]:
    """`match` for the facts of `fos`; a fact is built only when its answer is not remembered."""
    if not fos:
        return ()
    with _LOCK:
        registered = _register(ruleset)
        builder = registered.builder
        keys = [builder.key_of(snapshot, fo) for fo in fos]
        return _answer(registered, keys, lambda index: builder.build(snapshot, fos[index]))


def _answer(
    registered: Prepared, keys: list[tuple[Any, ...]], fact: Callable[[int], Fact]
) -> tuple[frozenset[int], ...]:
    """The remembered answer for each key; durable_rules is asked about the others' facts."""
    answers: list[frozenset[int] | None] = [registered.answers.get(key) for key in keys]
    new = [index for index, answer in enumerate(answers) if answer is None]
    STATS["facts"] += len(keys)
    STATS["asked"] += len(new)
    if new:
        hits = _assert(registered, [fact(index) for index in new])
        for index, answer in zip(new, _answers(hits, len(new)), strict=True):
            answers[index] = answer
            if MAX_ANSWERS:
                if len(registered.answers) >= MAX_ANSWERS:
                    registered.answers.clear()
                registered.answers[keys[index]] = answer
    return tuple(answer for answer in answers if answer is not None)


def _answers(hits: list[tuple[int, int]], count: int) -> list[frozenset[int]]:
    found: list[set[int]] = [set() for _ in range(count)]
    seen: set[int] = set()
    for fact_index, rule_index in hits:
        if rule_index == _SENTINEL:
            seen.add(fact_index)
        else:
            found[fact_index].add(rule_index)
    if len(seen) != count:
        raise RuntimeError(f"durable_rules saw {len(seen)} of {count} facts")
    return [frozenset(rules) for rules in found]


_LIVE: set[str] = set()  # sessions between their creation and deletion (empty between decisions)


def open_sessions() -> int:
    """durable_rules sessions alive now: 0 between decisions."""
    with _LOCK:
        return len(_LIVE)


def fire(registered: Prepared, fact: Fact) -> list[str]:
    """The names of the rules that fire for one fact, in firing order (for specifications)."""
    names: list[str] = []
    with _LOCK:
        _assert(registered, [fact], names)
    return names


def _assert(registered: Prepared, facts: list[Fact], names: list[str] | None = None) -> list[tuple[int, int]]:
    """Assert the facts in a fresh session, collect (fact, rule) firings, delete the session."""
    handle = registered.handle
    sid = f"decision-{next(_IDS)}"
    payload = json.dumps(
        [{**fact, "sid": sid, "id": f"{sid}-{index}", "fo": index} for index, fact in enumerate(facts)]
    )
    hits: list[tuple[int, int]] = []
    _LIVE.add(sid)
    try:
        result = _core.assert_facts(handle, payload)
        if result[0] in (_NOT_HANDLED, _OBSERVED):  # cannot happen while the sentinel matches all
            raise RuntimeError(f"durable_rules did not handle the facts (code {result[0]})")
        state = result[1]
        action: Any = _core.start_action_for_state(handle, state)
        message = action[1] if action else None
        while message:
            # `{"<rule>": {"m": {…, "fo": 3, …}}}`: only the rule and the fact number matter, and
            # parsing the whole fact back costs more than the match did.
            rule = message[2 : message.index('"', 2)]
            number = _FACT_NUMBER.search(message)
            hits.append((int(number.group(1)) if number else -1, _rule_index(rule)))
            if names is not None:
                names.append(rule)
            message = _core.complete_and_start_action(handle, state)
    finally:
        # The sentinel rule fired in this session, so deleting it is safe (one where no rule ever
        # fired crashes the C core).
        with contextlib.suppress(Exception):  # a session we cannot delete is abandoned, not reused
            _core.delete_state(handle, sid)
        _LIVE.discard(sid)
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
        registered = Prepared(name, handle, compiled, FactBuilder(compiled.schema, compiled.definition))
        _REGISTERED[key] = registered
    return registered
