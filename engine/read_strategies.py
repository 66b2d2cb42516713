"""Reading one strategy: conditions, candidate locations, exclusions, ranking, allocation."""

from __future__ import annotations

from typing import Any

from engine.conditions import read_condition
from engine.policy import (
    IGNORABLE,
    KEEP_TOGETHER_BY,
    RANK_KEYS,
    GroupRef,
    KeepTogether,
    LocationRef,
    RankKey,
    SplitOptions,
)
from engine.read_locations import NAME, read_ref
from engine.reader import Reader, suggest
from engine.ruleset_model import Strategy
from engine.yamlsource import YMap, YNode, YScalar, YSeq

ALLOCATIONS = ("ship_complete", "split")
SPLIT_KEYS = (
    "max_shipments",
    "keep_together",
    "min_shipment_value",
    "min_shipment_lines",
    "prefer",
    "partial",
)
STRATEGY_KEYS = (
    "id",
    "description",
    "when",
    "locations",
    "rank",
    "ignore",
    "allocation",
    "tags",
    *SPLIT_KEYS,
)
PREFERENCES = ("fewer_shipments", "nearer")
_LOCATIONS_HINT = (
    "write `locations: [Newark DC, Chicago DC]` (names or GIDs, in order of preference), "
    "`{group: us-dcs}` or `{store: …, location: …}`"
)


def read_strategy(reader: Reader, node: YNode) -> Strategy | None:
    mapping = reader.mapping(node, "a strategy", "write `- id: ...` then `locations: [...]`")
    if mapping is None:
        return None
    id_node = mapping.get("id")
    strategy_id = reader.text(id_node, "`id`", "write `id: us-ship-complete`") if id_node else None
    r = reader.about(f"strategy {strategy_id or '(no id)'}")
    before = len(r.issues)
    if id_node is None:
        r.fail(mapping, "a strategy needs `id:`", "write `id: ` and a short name such as `us-ship-complete`")
    elif strategy_id is not None and not NAME.fullmatch(strategy_id):
        r.fail(id_node, f"`{strategy_id}` is not a valid id", "use lower-case letters, digits, `-`, `_`, `.`")
    r.check_keys(mapping, STRATEGY_KEYS, "a strategy")
    values: dict[str, Any] = {}
    if (n := mapping.get("description")) is not None:
        values["description"] = r.text(n, "`description`", "write one line of text") or ""
    if (n := mapping.get("when")) is not None:
        values["when"] = read_condition(n, r)
    if (n := r.require(mapping, "locations", "a strategy", _LOCATIONS_HINT)) is not None:
        sources = _read_sources(r, n)
        values["sources"] = sources
        values["locations"] = tuple(
            s.location for s in sources if isinstance(s, LocationRef) and s.store is None
        )
    if (n := mapping.get("rank")) is not None:
        values["rank"] = _read_rank(r, n)
    if (n := mapping.get("ignore")) is not None:
        values["ignore"] = _read_ignore(r, n)
    if (n := mapping.get("tags")) is not None:
        values["tags"] = read_tags(r, n)
    allocation = "ship_complete"
    if (n := mapping.get("allocation")) is not None:
        allocation = (
            r.text(n, "`allocation`", "write `allocation: ship_complete` or `allocation: split`") or ""
        )
        if allocation and allocation not in ALLOCATIONS:
            r.fail(
                n,
                f"unknown allocation `{allocation}`",
                "write `allocation: ship_complete` or `allocation: split`",
            )
    values["allocation"] = allocation
    split = _read_split(r, mapping, allocation)
    if len(r.issues) > before or strategy_id is None or split is None:
        return None
    return Strategy.model_validate({"id": strategy_id, "split": split, "origin": str(mapping.mark), **values})


def _read_sources(r: Reader, node: YNode) -> tuple[LocationRef | GroupRef, ...]:
    if isinstance(node, YScalar) and node.value is None:
        r.fail(node, "`locations` is empty", _LOCATIONS_HINT)
        return ()
    items = node.items if isinstance(node, YSeq) else (node,)
    if not items:
        r.fail(node, "`locations` must not be an empty list", _LOCATIONS_HINT)
    sources: list[LocationRef | GroupRef] = []
    for item in items:
        if isinstance(item, YMap) and item.get("group") is not None:
            r.check_keys(item, ("group",), "a group entry")
            group = r.text(item.get("group") or item, "`group`", "write `{group: us-dcs}`")
            if group is not None:
                sources.append(GroupRef(group=group))
            continue
        ref = read_ref(r, item)
        if ref is not None:
            sources.append(ref)
    return tuple(dict.fromkeys(sources))


def _read_rank(r: Reader, node: YNode) -> tuple[RankKey, ...]:
    hint = "write e.g. `rank: [distance, priority]` or `rank: [{distance: {band_km: 100}}, cost]`"
    seq = r.sequence(node, "`rank`", hint)
    keys: list[RankKey] = []
    for item in seq.items if seq is not None else ():
        key = _read_rank_key(r, item, hint)
        if key is None:
            continue
        if any(k.by == key.by for k in keys):
            r.fail(item, f"`{key.by}` is ranked twice", "name each tie-breaker once")
        keys.append(key)
    return tuple(keys)


def _read_rank_key(r: Reader, item: YNode, hint: str) -> RankKey | None:
    band: float | None = None
    if isinstance(item, YMap) and len(item.entries) == 1:
        key, options = item.entries[0]
        name = str(key.value)
        if name == "distance":
            for option, value in r.entries(options, "`distance`", "write `{distance: {band_km: 100}}`"):
                if option.value == "band_km":
                    band = r.number(value, "`band_km`", "write kilometres, e.g. `band_km: 100`")
                else:
                    r.fail(option, f"unknown key `{option.value}` in `distance`", "write `band_km: 100`")
        else:
            r.fail(key, f"`{name}` takes no options", hint)
    else:
        name = r.text(item, "a tie-breaker", hint) or ""
    if name and name not in RANK_KEYS:
        r.fail(item, f"unknown tie-breaker `{name}`", suggest(name, RANK_KEYS))
        return None
    return RankKey.model_validate({"by": name, "band_km": band}) if name else None


def _read_ignore(r: Reader, node: YNode) -> tuple[str, ...]:
    hint = "write e.g. `ignore: [cutoff, capacity]`"
    names = r.texts(node, "`ignore`", hint) or ()
    for name in names:
        if name not in IGNORABLE:
            r.fail(node, f"`{name}` cannot be ignored", suggest(name, IGNORABLE))
    return names


def read_tags(r: Reader, node: YNode) -> tuple[str, ...]:
    hint = "write e.g. `tags: [ship-from-dc]`"
    tags = r.texts(node, "`tags`", hint) or ()
    for tag in tags:
        if len(tag) > 40 or "," in tag:
            r.fail(node, f"`{tag}` is not a Shopify tag (at most 40 characters, no commas)", hint)
    return tags


def _read_split(r: Reader, mapping: YMap, allocation: str) -> SplitOptions | None:
    written = [key for key, _ in mapping.entries if key.value in SPLIT_KEYS]
    if allocation != "split":
        for key in written:
            r.fail(
                key,
                f"`{key.value}` applies only to `allocation: split`",
                "add `allocation: split` or remove it",
            )
        return SplitOptions()
    values: dict[str, Any] = {}
    if (n := mapping.get("max_shipments")) is not None:
        values["max_shipments"] = r.integer(n, "`max_shipments`", "write e.g. `max_shipments: 2`", 1)
    if (n := mapping.get("min_shipment_value")) is not None:
        values["min_shipment_value"] = r.number(n, "`min_shipment_value`", "write an amount, e.g. `25`")
    if (n := mapping.get("min_shipment_lines")) is not None:
        values["min_shipment_lines"] = r.integer(
            n, "`min_shipment_lines`", "write e.g. `min_shipment_lines: 2`", 1
        )
    if (n := mapping.get("prefer")) is not None:
        prefer = r.text(n, "`prefer`", "write `prefer: fewer_shipments` or `prefer: nearer`")
        if prefer is not None and prefer not in PREFERENCES:
            r.fail(n, f"unknown preference `{prefer}`", suggest(prefer, PREFERENCES))
            prefer = None
        values["prefer"] = prefer
    if (n := mapping.get("partial")) is not None:
        values["partial"] = r.boolean(n, "`partial`")
    if (n := mapping.get("keep_together")) is not None:
        values["keep_together"] = _read_keep_together(r, n)
    if any(value is None for value in values.values()):
        return None
    return SplitOptions.model_validate(values)


def _read_keep_together(r: Reader, node: YNode) -> tuple[KeepTogether, ...]:
    hint = "write e.g. `keep_together: [vendor, {sku: {matches: '^KIT-'}}]`"
    seq = r.sequence(node, "`keep_together`", hint)
    groups: list[KeepTogether] = []
    for item in seq.items if seq is not None else ():
        if isinstance(item, YMap):
            when = read_condition(item, r, "line")
            if when is not None:
                groups.append(KeepTogether(by="condition", when=when))
            continue
        name = r.text(item, "a keep-together group", hint)
        if name is not None and name not in KEEP_TOGETHER_BY:
            r.fail(item, f"unknown keep-together group `{name}`", suggest(name, KEEP_TOGETHER_BY))
        elif name is not None:
            groups.append(KeepTogether.model_validate({"by": name}))
    return tuple(groups)
