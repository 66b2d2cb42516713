"""Rule authors' test cases: YAML files under `rules/tests/`, one shared implementation.

A case names a snapshot (a JSON file under the project root, or written inline), optional
changes to it (`given:`), and the decision it expects. `routing-engine rules test` and the test
suite both use these functions; reading files stays with the caller:

    cases = parse_cases(name, text)                          # RuleSetError on a malformed file
    for case in cases:
        base = json.loads(read(case.snapshot_file)) if case.snapshot_file else None
        snapshot = case_snapshot(case, base)                 # ValueError on a bad snapshot
        problems = check_case(case, decide(snapshot, ruleset_for(case.rules)), snapshot)

See rules/README.md ("Testing rules") for the format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from engine.case_purchase_orders import vendor_lines
from engine.decision import Decision, FulfillmentOrderOutcome
from engine.errors import Mark, RuleSetError
from engine.model import Snapshot
from engine.reader import Reader
from engine.yamlsource import YMap, YNode, YSeq, load_yaml

_FILE_KEYS = ("rules", "cases")
_CASE_KEYS = ("name", "snapshot", "given", "expect")
_GIVEN_KEYS = (
    "order",
    "fulfillment_orders",
    "locations",
    "inventory",
    "location_load",
    "local_time",
    "purchase_orders",
)
_EXPECT_KEYS = ("outcome", "fulfillment_orders", "intents", "tags", "trace_contains", "trace_lacks")
_FO_KEYS = ("id", "action", "to", "from", "strategy", "hold_reason", "note_contains", "parts")
_PART_KEYS = ("action", "to", "skus")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PartExpectation(_Frozen):
    action: str | None = None
    to: str | None = None
    skus: tuple[str, ...] | None = None


class FulfillmentOrderExpectation(_Frozen):
    """What one fulfillment order should get; `id` (GID or its number) or else its position."""

    id: str | None = None
    action: str | None = None
    to: str | None = None
    from_: str | None = None
    strategy: str | None = None
    hold_reason: str | None = None
    note_contains: str | None = None
    parts: tuple[PartExpectation, ...] | None = None


class Expectation(_Frozen):
    outcome: str | None = None
    fulfillment_orders: tuple[FulfillmentOrderExpectation, ...] = ()
    intents: tuple[str, ...] | None = None
    tags: tuple[str, ...] = ()
    trace_contains: tuple[str, ...] = ()
    trace_lacks: tuple[str, ...] = ()


class Case(_Frozen):
    name: str
    origin: str  # "rules/tests/default.yaml:4:5"
    rules: tuple[str, ...] | None = None  # rule files relative to the rules directory; None: all
    snapshot_file: str | None = None  # relative to the project root
    snapshot: dict[str, Any] | None = None  # written inline
    given: dict[str, Any] = {}
    expect: Expectation = Expectation()


def parse_cases(file_name: str, text: str) -> list[Case]:
    """The cases of one file; `RuleSetError` lists every problem with its place."""
    root, issues = load_yaml(file_name, text)
    reader = Reader("file", issues)
    cases: list[Case] = []
    top = reader.mapping(root, "a test file", "start with `cases:`") if root is not None else None
    if root is None and not issues:
        reader.fail(Mark(file_name, 1, 1), "the test file is empty", "write `cases:` and a list")
    if top is not None:
        reader.check_keys(top, _FILE_KEYS, "a test file")
        rules = None
        if (node := top.get("rules")) is not None:
            rules = reader.texts(node, "`rules`", "write `rules: [examples/split.yaml]`")
        listed = reader.require(top, "cases", "a test file", "write `cases:` and a list of cases")
        seq = reader.sequence(listed, "`cases:`", "each case starts with `- name: ...`") if listed else None
        for item in seq.items if seq is not None else ():
            case = _read_case(reader, item, rules)
            if case is not None:
                cases.append(case)
    if issues:
        raise RuleSetError(sorted(issues, key=lambda i: (i.mark.line, i.mark.column)))
    return cases


def _read_case(reader: Reader, node: YNode, rules: tuple[str, ...] | None) -> Case | None:
    mapping = reader.mapping(node, "a case", "write `- name: ...`, `snapshot: ...`, `expect: ...`")
    if mapping is None:
        return None
    name_node = reader.require(mapping, "name", "a case", "write `name: moves to Newark`")
    name = reader.text(name_node, "`name`", "write one line") if name_node is not None else None
    r = reader.about(f"case {name or '(no name)'}")
    before = len(r.issues)
    r.check_keys(mapping, _CASE_KEYS, "a case")
    values: dict[str, Any] = {"name": name or "", "origin": str(mapping.mark), "rules": rules}
    snap = r.require(mapping, "snapshot", "a case", "write `snapshot: fixtures/snapshots/….json`")
    if isinstance(snap, YMap):
        values["snapshot"] = plain(snap)
    elif snap is not None:
        values["snapshot_file"] = r.text(snap, "`snapshot`", "write a path such as fixtures/snapshots/x.json")
    if (given := mapping.get("given")) is not None and (
        given_map := r.mapping(given, "`given`", "write e.g. `given: {order: {tags: [vip]}}`")
    ) is not None:
        r.check_keys(given_map, _GIVEN_KEYS, "`given`")
        values["given"] = plain(given_map)
    expect = r.require(mapping, "expect", "a case", "write `expect: {outcome: routed}`")
    if expect is not None:
        values["expect"] = _read_expect(r, expect)
    if len(r.issues) > before:
        return None
    try:
        return Case.model_validate(values)
    except ValidationError as error:
        r.fail(mapping, f"case cannot be read: {error.errors()[0]['msg']}", "check the expected values")
        return None


def _read_expect(r: Reader, node: YNode) -> Expectation | None:
    mapping = r.mapping(node, "`expect`", "write e.g. `expect: {outcome: routed}`")
    if mapping is None:
        return None
    r.check_keys(mapping, _EXPECT_KEYS, "`expect`")
    values = plain(mapping)
    for key in ("intents", "tags", "trace_contains", "trace_lacks"):
        if isinstance(values.get(key), str):
            values[key] = [values[key]]
    fos = mapping.get("fulfillment_orders")
    if fos is not None:
        seq = r.sequence(fos, "`fulfillment_orders`", "list one mapping per fulfillment order")
        entries = []
        for item in seq.items if seq is not None else ():
            if entry := r.mapping(item, "a fulfillment order", "write `- {action: move, to: Newark DC}`"):
                r.check_keys(entry, _FO_KEYS, "a fulfillment order's expectation")
                for part in _parts(entry):
                    r.check_keys(part, _PART_KEYS, "a part")
                value = plain(entry)
                if "from" in value:
                    value["from_"] = value.pop("from")
                for part in value.get("parts") or ():
                    if isinstance(part, dict) and isinstance(part.get("skus"), str):
                        part["skus"] = [part["skus"]]
                entries.append(value)
        values["fulfillment_orders"] = entries
    try:
        return Expectation.model_validate(values)
    except ValidationError as error:
        problem = error.errors()[0]
        r.fail(mapping, f"`expect` cannot be read: {problem['msg']} at {problem['loc']}", "write text values")
        return None


def _parts(entry: YMap) -> list[YMap]:
    parts = entry.get("parts")
    return [p for p in parts.items if isinstance(p, YMap)] if isinstance(parts, YSeq) else []


def plain(node: YNode) -> Any:
    """A YAML node as plain Python data (ids as text, numbers as numbers)."""
    if isinstance(node, YMap):
        return {str(key.value): plain(value) for key, value in node.entries}
    if isinstance(node, YSeq):
        return [plain(item) for item in node.items]
    return node.value


# --- building the snapshot ---------------------------------------------------------------------


def case_snapshot(case: Case, base: Mapping[str, Any] | None = None) -> Snapshot:
    """The case's snapshot (`base`: the loaded snapshot file) with `given` applied."""
    data = dict(base if base is not None else case.snapshot or {})
    given = case.given
    try:
        snapshot = Snapshot.model_validate(data)
        data = snapshot.model_dump(mode="json")
        if "order" in given:
            data["order"] = _merge(data["order"], given["order"])
        if "fulfillment_orders" in given:
            data["fulfillment_orders"] = _merge_fos(data["fulfillment_orders"], given["fulfillment_orders"])
        if "local_time" in given:
            data["local_time"] = given["local_time"]
        names = _location_ids(snapshot)
        if "locations" in given:
            changes = {names.get(str(k).casefold(), str(k)): v for k, v in given["locations"].items()}
            data["locations"] = [_merge(loc, changes.get(loc["id"], {})) for loc in data["locations"]]
        if "location_load" in given:
            load = {names.get(str(k).casefold(), str(k)): v for k, v in given["location_load"].items()}
            data["location_load"] = {**data.get("location_load", {}), **load}
        if "inventory" in given:
            data["inventory"] = _inventory(snapshot, data["inventory"], given["inventory"], names)
        if "purchase_orders" in given:
            data["vendor_lines"] = [
                line for po in given["purchase_orders"] for line in vendor_lines(data, po)
            ]
        return Snapshot.model_validate(data)
    except (ValidationError, AttributeError, TypeError) as error:
        raise ValueError(f"{case.origin}: case {case.name}: the snapshot is not valid: {error}") from error


def _merge(base: dict[str, Any], change: Any) -> dict[str, Any]:
    if not isinstance(change, dict):
        raise TypeError(f"expected a mapping of changes, not {change!r}")
    merged = dict(base)
    for key, value in change.items():
        old = merged.get(key)
        merged[key] = _merge(old, value) if isinstance(old, dict) and isinstance(value, dict) else value
    return merged


def _merge_fos(fos: list[dict[str, Any]], change: Any) -> list[dict[str, Any]]:
    if isinstance(change, dict):
        return [_merge(fo, change) for fo in fos]
    return [_merge(fo, change[i]) if i < len(change) else fo for i, fo in enumerate(fos)]


def _location_ids(snapshot: Snapshot) -> dict[str, str]:
    return {loc.name.casefold(): loc.id for loc in snapshot.locations} | {
        loc.id.casefold(): loc.id for loc in snapshot.locations
    }


def _inventory(
    snapshot: Snapshot, inventory: dict[str, Any], change: dict[str, Any], names: dict[str, str]
) -> dict[str, Any]:
    items = {line.sku.casefold(): line.inventory_item_id for _, line in snapshot.lines() if line.sku}
    merged = {item: dict(levels) for item, levels in inventory.items()}
    for key, levels in change.items():
        item = items.get(str(key).casefold()) or str(key)
        merged.setdefault(item, {}).update(
            {names.get(str(k).casefold(), str(k)): v for k, v in levels.items()}
        )
    return merged


# --- checking a decision -----------------------------------------------------------------------


def check_case(case: Case, decision: Decision, snapshot: Snapshot) -> list[str]:
    """What differs from the expectation, one message per difference (empty: the case passes)."""
    expect = case.expect
    problems: list[str] = []
    if expect.outcome is not None and decision.outcome != expect.outcome:
        problems.append(f"outcome: expected {expect.outcome}, got {decision.outcome}")
    for index, wanted in enumerate(expect.fulfillment_orders):
        outcome = _find(decision, wanted, index)
        if outcome is None:
            problems.append(f"fulfillment order {wanted.id or f'#{index + 1}'}: not in the decision")
        else:
            problems.extend(_check_fo(outcome, wanted, snapshot))
    kinds = [intent.kind for intent in decision.intents]
    if expect.intents is not None and kinds != list(expect.intents):
        problems.append(f"intents: expected {list(expect.intents)}, got {kinds}")
    added = {tag for intent in decision.intents if intent.kind == "add_tags" for tag in intent.tags}
    for tag in expect.tags:
        if tag not in added:
            problems.append(f"tags: expected `{tag}` to be added, got {sorted(added) or 'none'}")
    explained = decision.explain()
    problems.extend(f"trace lacks “{text}”" for text in expect.trace_contains if text not in explained)
    problems.extend(f"trace contains “{text}”" for text in expect.trace_lacks if text in explained)
    return problems


def _find(
    decision: Decision, wanted: FulfillmentOrderExpectation, index: int
) -> FulfillmentOrderOutcome | None:
    if wanted.id is None:
        return decision.fulfillment_orders[index] if index < len(decision.fulfillment_orders) else None
    return next(
        (
            o
            for o in decision.fulfillment_orders
            if o.fulfillment_order_id == wanted.id or o.fulfillment_order_id.rsplit("/", 1)[-1] == wanted.id
        ),
        None,
    )


def _check_fo(
    outcome: FulfillmentOrderOutcome, wanted: FulfillmentOrderExpectation, snapshot: Snapshot
) -> list[str]:
    label = f"FO {outcome.fulfillment_order_id.rsplit('/', 1)[-1]}"
    problems: list[str] = []

    written = wanted.model_fields_set  # `strategy: null` expects none; leaving it out checks nothing

    def differs(key: str, what: str, expected: str | None, actual: str | None) -> None:
        if key in written and expected != actual:
            problems.append(f"{label}: {what} expected {expected}, got {actual}")

    differs("action", "action", wanted.action, outcome.action)
    differs("strategy", "strategy", wanted.strategy, outcome.strategy)
    differs("hold_reason", "hold reason", wanted.hold_reason, outcome.hold_reason)
    for key, expected, actual in (
        ("to", wanted.to, outcome.to_location_id),
        ("from_", wanted.from_, outcome.from_location_id),
    ):
        if key in written and not _same_location(snapshot, expected, actual):
            problems.append(f"{label}: {key.rstrip('_')} expected {expected}, got {_name(snapshot, actual)}")
    if wanted.note_contains is not None and wanted.note_contains not in outcome.note:
        problems.append(f"{label}: note lacks “{wanted.note_contains}” (note: {outcome.note!r})")
    if wanted.parts is not None:
        problems.extend(_check_parts(label, outcome, wanted.parts, snapshot))
    return problems


def _check_parts(
    label: str, outcome: FulfillmentOrderOutcome, wanted: tuple[PartExpectation, ...], snapshot: Snapshot
) -> list[str]:
    skus = {line.id: line.sku or line.id for _, line in snapshot.lines()}
    actual = [
        (part.action, part.location_id, sorted(skus.get(line.id, line.id) for line in part.lines))
        for part in outcome.parts
    ]
    problems: list[str] = []
    for expected in wanted:
        match = next(
            (
                a
                for a in actual
                if (expected.action is None or a[0] == expected.action)
                and (expected.to is None or _same_location(snapshot, expected.to, a[1]))
                and (expected.skus is None or a[2] == sorted(expected.skus))
            ),
            None,
        )
        if match is None:
            shown = "; ".join(f"{a[0]} {_name(snapshot, a[1])} {', '.join(a[2])}" for a in actual) or "none"
            problems.append(f"{label}: no part {expected.model_dump(exclude_none=True)} (parts: {shown})")
    if len(actual) != len(wanted):
        problems.append(f"{label}: expected {len(wanted)} parts, got {len(actual)}")
    return problems


def _same_location(snapshot: Snapshot, expected: str | None, actual: str | None) -> bool:
    if expected is None or actual is None:
        return expected == actual
    location = snapshot.location(actual)
    return expected == actual or (location is not None and location.name.casefold() == expected.casefold())


def _name(snapshot: Snapshot, location_id: str | None) -> str:
    location = snapshot.location(location_id) if location_id else None
    return location.name if location is not None else str(location_id)
