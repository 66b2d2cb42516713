"""Reading `holds:` (holds that wait for an event) and the `fallback:`."""

from __future__ import annotations

import string

from engine.conditions import read_condition
from engine.intents import hold_handle
from engine.read_locations import NAME
from engine.read_strategies import read_tags
from engine.reader import Reader, suggest
from engine.ruleset_model import HOLD_REASONS, RELEASE_TOPICS, Fallback, HoldFallback, HoldRule, KeepFallback
from engine.yamlsource import YNode

# {short_skus} and {location} describe the best candidate, which only the fallback has.
NOTE_PLACEHOLDERS = (
    "order",
    "short_skus",
    "location",
    "why",
    "financial_status",
    "total_price",
    "currency",
    "sales_channel",
)
HOLD_NOTE_PLACEHOLDERS = tuple(p for p in NOTE_PLACEHOLDERS if p not in ("short_skus", "location"))
_HOLD_KEYS = ("id", "description", "when", "reason", "note", "release_on", "tags")
# Hold-rule handles share the `routing-engine.` prefix with fallback holds: keep them apart.
_RESERVED_IDS = frozenset(hold_handle(reason).split(".", 1)[1] for reason in HOLD_REASONS)
_REASON_HINT = "write one of: " + ", ".join(HOLD_REASONS)


def read_hold_rule(reader: Reader, node: YNode) -> HoldRule | None:
    hint = "write `- id: await-payment`, `when:`, `reason:`, `note:` and `release_on:`"
    mapping = reader.mapping(node, "a hold", hint)
    if mapping is None:
        return None
    id_node = mapping.get("id")
    hold_id = reader.text(id_node, "`id`", "write `id: await-payment`") if id_node else None
    r = reader.about(f"hold {hold_id or '(no id)'}")
    before = len(r.issues)
    r.check_keys(mapping, _HOLD_KEYS, "a hold")
    if id_node is None:
        r.fail(mapping, "a hold needs `id:`", "write `id: ` and a short name such as `await-payment`")
    elif hold_id is not None and (not NAME.fullmatch(hold_id) or len(hold_id) > 48):
        r.fail(
            id_node,
            f"`{hold_id}` is not a valid hold id",
            "use up to 48 lower-case letters, digits, `-`, `_`",
        )
    elif hold_id in _RESERVED_IDS:
        r.fail(
            id_node, f"`{hold_id}` is the handle of fallback holds", "choose another id, e.g. `await-payment`"
        )
    when_node = r.require(
        mapping,
        "when",
        "a hold",
        "a hold needs the condition it waits on, e.g. `when: {financial_status: {not_in: [PAID]}}`",
    )
    when = read_condition(when_node, r) if when_node is not None else None
    reason = _read_reason(r, mapping.get("reason"), mapping)
    note = ""
    if (note_node := mapping.get("note")) is not None:
        note = r.text(note_node, "`note`", "write a sentence; it may use {order}") or ""
        check_note(r, note_node, note, HOLD_NOTE_PLACEHOLDERS)
    topics: tuple[str, ...] = ()
    if (topics_node := mapping.get("release_on")) is not None:
        topics = r.texts(topics_node, "`release_on`", "write e.g. `release_on: [orders/paid]`") or ()
        for topic in topics:
            if topic not in RELEASE_TOPICS:
                r.fail(
                    topics_node,
                    f"`{topic}` is not a topic that re-decides an order",
                    suggest(topic, RELEASE_TOPICS),
                )
    tags = read_tags(r, n) if (n := mapping.get("tags")) is not None else ()
    if len(r.issues) > before or hold_id is None or when is None or reason is None:
        return None
    description = ""
    if (n := mapping.get("description")) is not None:
        description = r.text(n, "`description`", "write one line of text") or ""
    return HoldRule(
        id=hold_id,
        description=description,
        when=when,
        reason=reason,
        note=note,
        release_on=topics,
        tags=tags,
        origin=str(mapping.mark),
    )


def _read_reason(r: Reader, node: YNode | None, parent: YNode) -> str | None:
    if node is None:
        r.fail(parent, "a hold needs `reason:`", _REASON_HINT)
        return None
    reason = r.text(node, "`reason`", _REASON_HINT)
    if reason is not None and reason not in HOLD_REASONS:
        r.fail(node, f"`{reason}` is not a FulfillmentHoldReason", _REASON_HINT)
        return None
    return reason


def read_fallback(r: Reader, node: YNode) -> Fallback | None:
    hint = "write `fallback: {keep: true}` or `fallback: {hold: {reason: INVENTORY_OUT_OF_STOCK, note: ...}}`"
    mapping = r.mapping(node, "`fallback`", hint)
    if mapping is None:
        return None
    r.check_keys(mapping, ("hold", "keep", "tags"), "`fallback`")
    tags = read_tags(r, n) if (n := mapping.get("tags")) is not None else ()
    if len([key for key, _ in mapping.entries if key.value in ("hold", "keep")]) != 1:
        r.fail(mapping, "`fallback` takes exactly one of `hold:` or `keep:`", hint)
        return None
    keep = mapping.get("keep")
    if keep is not None:
        if getattr(keep, "value", None) is not True:
            r.fail(keep, "`keep` must be `true`", "write `fallback: {keep: true}`")
            return None
        return KeepFallback(tags=tags)
    hold_node = mapping.get("hold")
    hold = r.mapping(hold_node, "`hold`", hint) if hold_node is not None else None
    if hold is None:
        return None
    r.check_keys(hold, ("reason", "note"), "`hold`")
    before = len(r.issues)
    reason = _read_reason(r, hold.get("reason"), hold)
    note = ""
    if (note_node := hold.get("note")) is not None:
        note = r.text(note_node, "`note`", "write a sentence; it may use {order}, {short_skus}") or ""
        check_note(r, note_node, note, NOTE_PLACEHOLDERS)
    if len(r.issues) > before or reason is None:
        return None
    return HoldFallback(reason=reason, note=note, tags=tags)


def check_note(r: Reader, node: YNode, note: str, allowed: tuple[str, ...]) -> None:
    shown = ", ".join("{" + p + "}" for p in allowed)
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(note) if name is not None]
    except ValueError as error:
        r.fail(node, f"`note` has a broken placeholder ({error})", f"use {shown}; write {{{{ for a brace")
        return
    for name in names:
        if name not in allowed:
            r.fail(node, f"`note` uses unknown placeholder {{{name}}}", f"use {shown}")
