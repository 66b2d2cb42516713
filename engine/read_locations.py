"""Reading `location_groups:` and `locations:` (per-location settings) from rule files.

Both name locations by name or GID; an entry may name its store (`{store: …, location: …}`),
otherwise it means the order's own store (for groups: the group's `store:` if it has one).
"""

from __future__ import annotations

import re

from engine.clock import parse_clock, parse_date, parse_weekdays
from engine.conditions import read_condition
from engine.policy import Cost, DayCutoff, DayHours, LocationGroup, LocationRef, LocationSettings, SkuAmount
from engine.reader import Reader
from engine.yamlsource import YMap, YNode, YScalar, YSeq

NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_GROUP_KEYS = ("store", "locations", "safety_stock", "safety_stock_by_sku")
_SETTINGS_KEYS = (
    "location",
    "store",
    "priority",
    "cost",
    "daily_capacity",
    "safety_stock",
    "safety_stock_by_sku",
    "hours",
    "cutoff",
    "closed_on",
    "refuses",
)
_REF_HINT = "write a location name, or `{store: north-wind-ca.myshopify.com, location: Toronto DC}`"
_HOURS_HINT = "write e.g. `hours: {mon-fri: '08:00-18:00', sat: '09:00-13:00', sun: closed}`"


def read_ref(r: Reader, node: YNode, default_store: str | None = None) -> LocationRef | None:
    """`Newark DC`, a GID, or `{store: …, location: …}`."""
    if isinstance(node, YMap):
        r.check_keys(node, ("store", "location"), "a location entry")
        loc_node = r.require(node, "location", "a location entry", _REF_HINT)
        location = r.text(loc_node, "`location`", _REF_HINT) if loc_node is not None else None
        store_node = node.get("store")
        store = r.text(store_node, "`store`", "write the shop domain") if store_node is not None else None
        if location is None or (store_node is not None and store is None):
            return None
        return LocationRef(location=location, store=(store or default_store or "").lower() or None)
    location = r.text(node, "a location", _REF_HINT)
    return None if location is None else LocationRef(location=location, store=default_store)


def read_groups(r: Reader, node: YNode) -> list[LocationGroup]:
    groups: list[LocationGroup] = []
    for key, value in r.entries(
        node, "`location_groups:`", "write `location_groups: {us-dcs: [Newark DC, …]}`"
    ):
        name = str(key.value)
        g = r.about(f"location group {name}")
        if not NAME.fullmatch(name):
            g.fail(
                key, f"`{name}` is not a valid group name", "use lower-case letters, digits, `-`, `_`, `.`"
            )
            continue
        group = _read_group(g, name, value, str(key.mark))
        if group is not None:
            groups.append(group)
    return groups


def _read_group(r: Reader, name: str, node: YNode, origin: str) -> LocationGroup | None:
    before = len(r.issues)
    store: str | None = None
    entries = node
    safety: int | None = None
    by_sku: tuple[SkuAmount, ...] = ()
    if isinstance(node, YMap):
        r.check_keys(node, _GROUP_KEYS, "a location group")
        if (store_node := node.get("store")) is not None:
            store = (r.text(store_node, "`store`", "write the shop domain") or "").lower() or None
        found = r.require(node, "locations", "a location group", "write `locations: [Newark DC, …]`")
        if found is None:
            return None
        entries = found
        if (safety_node := node.get("safety_stock")) is not None:
            safety = r.integer(safety_node, "`safety_stock`", "write units, e.g. `safety_stock: 2`")
        if (sku_node := node.get("safety_stock_by_sku")) is not None:
            by_sku = read_sku_amounts(r, sku_node)
    seq = r.sequence(entries, "a group's locations", "write `[Newark DC, Chicago DC]`")
    if seq is None:
        return None
    if not seq.items:
        r.fail(seq, "a location group must list at least one location", "write `[Newark DC, …]`")
    refs = [read_ref(r, item, store) for item in seq.items]
    if len(r.issues) > before:
        return None
    unique = tuple(dict.fromkeys(ref for ref in refs if ref is not None))
    return LocationGroup(
        name=name, locations=unique, safety_stock=safety, safety_stock_by_sku=by_sku, origin=origin
    )


def read_sku_amounts(r: Reader, node: YNode) -> tuple[SkuAmount, ...]:
    amounts: list[SkuAmount] = []
    for key, value in r.entries(node, "`safety_stock_by_sku`", "write `{NW-0001: 5, NW-0002: 3}`"):
        units = r.integer(value, f"safety stock of {key.value}", "write units, e.g. `NW-0001: 5`")
        if units is not None:
            amounts.append(SkuAmount(sku=str(key.value), units=units))
    return tuple(amounts)


def read_settings(r: Reader, node: YNode) -> list[LocationSettings]:
    seq = r.sequence(node, "`locations:`", "list locations, each starting with `- location: Newark DC`")
    found: list[LocationSettings] = []
    for item in seq.items if seq is not None else ():
        settings = _read_settings(r, item)
        if settings is not None:
            found.append(settings)
    return found


def _read_settings(reader: Reader, node: YNode) -> LocationSettings | None:
    mapping = reader.mapping(node, "a location's settings", "write `- location: Newark DC` and its settings")
    if mapping is None:
        return None
    name_node = reader.require(mapping, "location", "a location's settings", "write `location: Newark DC`")
    name = reader.text(name_node, "`location`", _REF_HINT) if name_node is not None else None
    r = reader.about(f"location {name or '(no name)'}")
    before = len(r.issues)
    r.check_keys(mapping, _SETTINGS_KEYS, "a location's settings")
    store_node = mapping.get("store")
    store = r.text(store_node, "`store`", "write the shop domain") if store_node is not None else None
    values: dict[str, object] = {}
    if (n := mapping.get("priority")) is not None:
        values["priority"] = r.integer(n, "`priority`", "write a whole number; 1 ranks first")
    if (n := mapping.get("daily_capacity")) is not None:
        values["daily_capacity"] = r.integer(n, "`daily_capacity`", "write orders per day, e.g. `120`", 1)
    if (n := mapping.get("safety_stock")) is not None:
        values["safety_stock"] = r.integer(n, "`safety_stock`", "write units, e.g. `safety_stock: 2`")
    if (n := mapping.get("safety_stock_by_sku")) is not None:
        values["safety_stock_by_sku"] = read_sku_amounts(r, n)
    if (n := mapping.get("cost")) is not None:
        values["costs"] = _read_costs(r, n)
    if (n := mapping.get("hours")) is not None:
        values["hours"] = _read_hours(r, n)
    if (n := mapping.get("cutoff")) is not None:
        values["cutoffs"] = _read_cutoffs(r, n)
    if (n := mapping.get("closed_on")) is not None:
        values["closed_on"] = _read_dates(r, n)
    if (n := mapping.get("refuses")) is not None:
        values["refuses"] = read_condition(n, r, "line")
    if len(r.issues) > before or name is None:
        return None
    ref = LocationRef(location=name, store=store.lower() if store else None)
    return LocationSettings.model_validate({"ref": ref, "origin": str(mapping.mark), **values})


def _read_costs(r: Reader, node: YNode) -> tuple[Cost, ...]:
    hint = "write `cost: 6.5` or `cost: {US: 6.5, CA: 14, other: 20}`"
    if isinstance(node, YScalar):
        amount = r.number(node, "`cost`", hint)
        return () if amount is None else (Cost(country=None, amount=amount),)
    costs: list[Cost] = []
    for key, value in r.entries(node, "`cost`", hint):
        country = str(key.value).upper()
        if country != "OTHER" and not re.fullmatch(r"[A-Z]{2}", country):
            r.fail(key, f"`{key.value}` is not a country code", hint)
            continue
        amount = r.number(value, f"cost to {country}", hint)
        if amount is not None:
            costs.append(Cost(country=None if country == "OTHER" else country, amount=amount))
    return tuple(costs)


def _days(r: Reader, key: YScalar) -> tuple[str, ...]:
    days: list[str] = []
    for part in str(key.value).split(","):
        found = parse_weekdays(part)
        if found is None:
            r.fail(
                key,
                f"`{part.strip()}` is not a weekday or range",
                "write `mon`, `sat`, `mon-fri` or `sat, sun`",
            )
            return ()
        days.extend(found)
    return tuple(days)


def _read_hours(r: Reader, node: YNode) -> tuple[DayHours, ...]:
    found: dict[str, DayHours] = {}
    for key, value in r.entries(node, "`hours`", _HOURS_HINT):
        text = r.text(value, f"hours of {key.value}", _HOURS_HINT)
        intervals = _intervals(r, value, text) if text is not None else None
        for day in _days(r, key):
            if day in found:
                r.fail(key, f"`{day}` has hours twice", "name each weekday once")
            elif intervals is not None:
                found[day] = DayHours(day=day, open=intervals)
    return tuple(found.values())


def _intervals(r: Reader, node: YNode, text: str) -> tuple[tuple[int, int], ...] | None:
    if text.lower() == "closed":
        return ()
    spans: list[tuple[int, int]] = []
    for part in text.split(","):
        ends = [parse_clock(end) for end in part.split("-")]
        if len(ends) != 2 or ends[0] is None or ends[1] is None or ends[0] >= ends[1]:
            r.fail(
                node, f"`{part.strip()}` is not an opening interval", "write `08:00-18:00` (end after start)"
            )
            return None
        spans.append((ends[0], ends[1]))
    return tuple(sorted(spans))


def _read_cutoffs(r: Reader, node: YNode) -> tuple[DayCutoff, ...]:
    hint = "write `cutoff: '15:00'` or `cutoff: {mon-fri: '15:00', sat: '11:00'}`"
    if isinstance(node, YScalar):
        minute = _clock(r, node, hint)
        return (
            ()
            if minute is None
            else tuple(DayCutoff(day=d, minute=minute) for d in parse_weekdays("mon-sun") or ())
        )
    cutoffs: dict[str, DayCutoff] = {}
    for key, value in r.entries(node, "`cutoff`", hint):
        minute = _clock(r, value, hint)
        for day in _days(r, key):
            if minute is not None:
                cutoffs[day] = DayCutoff(day=day, minute=minute)
    return tuple(cutoffs.values())


def _clock(r: Reader, node: YNode, hint: str) -> int | None:
    text = r.text(node, "a time of day", hint)
    minute = parse_clock(text) if text is not None else None
    if text is not None and minute is None:
        r.fail(node, f"`{text}` is not a time of day", hint)
    return minute


def _read_dates(r: Reader, node: YNode) -> tuple[str, ...]:
    hint = "write `closed_on: [2026-12-25, 2027-01-01]`"
    items = node.items if isinstance(node, YSeq) else (node,)
    dates: list[str] = []
    for item in items:
        text = r.text(item, "a date", hint)
        day = parse_date(text) if text is not None else None
        if text is not None and day is None:
            r.fail(item, f"`{text}` is not a date", hint)
        elif day is not None:
            dates.append(day.isoformat())
    return tuple(dict.fromkeys(dates))
