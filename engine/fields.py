"""The fields conditions can test, described once: kind, operators, value spelling, how to read.

A field belongs to the fulfillment order (`FIELDS`: order, fulfillment order, store, shop-local
time) or to one line (`LINE_FIELDS`, used inside `any_line` / `all_lines`, keep-together groups
and location restrictions). Its kind decides which operators it takes and how rule files spell
values. Values are kept as canonical text in the rule model (`"100"`, `"15:00"`), so a rule set
round-trips through JSON unchanged; `number_of` turns them into numbers for comparisons.

Text comparisons ignore case: values are normalised the same way on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from engine.clock import WEEKDAYS, parse_clock, parse_date, parse_local_time
from engine.model import FulfillmentOrder, FulfillmentOrderLine, Snapshot
from engine.reader import suggest

Kind = Literal["text", "number", "time", "date", "weekday", "set", "bool"]
Value = str | float | bool | frozenset[str] | None  # None: a number or time that is missing

DELIVERY_METHOD_TYPES = ("SHIPPING", "PICK_UP", "NONE", "RETAIL", "LOCAL", "PICKUP_POINT")
_COUNTRY = re.compile(r"[A-Z]{2}")

# The first operator of each tuple is the one meant by `field: value` or `field: [values]`.
OPERATORS: dict[Kind, tuple[str, ...]] = {
    "text": ("in", "equals", "not_equals", "not_in", "contains", "matches", "exists", "missing"),
    "weekday": ("in", "equals", "not_equals", "not_in", "exists", "missing"),
    "number": ("in", "equals", "not_equals", "not_in", "lt", "lte", "gt", "gte", "exists", "missing"),
    "time": ("in", "equals", "not_equals", "not_in", "lt", "lte", "gt", "gte", "exists", "missing"),
    "date": ("in", "equals", "not_equals", "not_in", "lt", "lte", "gt", "gte", "exists", "missing"),
    "set": ("any_of", "all_of", "none_of", "contains", "matches", "exists", "missing"),
    "bool": ("equals",),
}
ALIASES = {
    "<": "lt",
    "<=": "lte",
    ">": "gt",
    ">=": "gte",
    "==": "equals",
    "=": "equals",
    "!=": "not_equals",
    "not in": "not_in",
    "is": "equals",
}
SET_ALIASES = {"in": "any_of", "not_in": "none_of"}
SINGLE_VALUE_OPS = frozenset({"equals", "not_equals", "lt", "lte", "gt", "gte", "contains", "matches"})
EXISTENCE_OPS = frozenset({"exists", "missing"})
COMPARISONS = frozenset({"lt", "lte", "gt", "gte"})
NUMERIC_KINDS = frozenset({"number", "time", "date"})


@dataclass(frozen=True)
class FieldSpec:
    """One field: `read` gives its value for a fulfillment order (or a line), normalised."""

    name: str
    kind: Kind
    example: str
    read: Callable[..., Value]
    normalize: Callable[[str], str] = str.casefold
    check: Callable[[str], str | None] = lambda _: None  # what to write instead, if wrong
    doc: str = ""

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.kind]


def number_of(kind: Kind, text: str) -> float:
    """The number a canonical value stands for: a number, minutes since midnight, a day ordinal."""
    if kind == "time":
        minute = parse_clock(text)
        return float(minute if minute is not None else -1)
    if kind == "date":
        day = parse_date(text)
        return float(day.toordinal() if day is not None else -1)
    return float(text)


def canonical_number(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


# --- fulfillment-order fields ----------------------------------------------------------------


def _destination(snapshot: Snapshot, fo: FulfillmentOrder, part: str) -> str:
    for address in (fo.destination, snapshot.order.shipping_address):
        value = getattr(address, part, None) if address is not None else None
        if value:
            return str(value)
    return ""


def _province(snapshot: Snapshot, fo: FulfillmentOrder) -> str:
    code = _destination(snapshot, fo, "province_code")
    return (code or _destination(snapshot, fo, "province")).upper()


def _assigned_name(snapshot: Snapshot, fo: FulfillmentOrder) -> str:
    wanted = fo.assigned_location_id
    location = next((loc for loc in snapshot.locations if loc.id == wanted), None) if wanted else None
    return location.name.casefold() if location is not None else ""


def _weekday(snapshot: Snapshot, _fo: FulfillmentOrder) -> str:
    local = parse_local_time(snapshot.local_time)
    return local.weekday_code if local is not None else ""


def _minute(snapshot: Snapshot, _fo: FulfillmentOrder) -> float | None:
    local = parse_local_time(snapshot.local_time)
    return float(local.minute) if local is not None else None


def _day(snapshot: Snapshot, _fo: FulfillmentOrder) -> float | None:
    local = parse_local_time(snapshot.local_time)
    return float(local.day.toordinal()) if local is not None else None


def _open_lines(fo: FulfillmentOrder) -> list[FulfillmentOrderLine]:
    return [line for line in fo.lines if line.remaining_quantity > 0]


def _tags(tags: frozenset[str]) -> frozenset[str]:
    return frozenset(tag.strip().casefold() for tag in tags)


def _text(value: str | None) -> str:
    return (value or "").strip().casefold()


def _check_country(value: str) -> str | None:
    return None if _COUNTRY.fullmatch(value) else "write a two-letter ISO country code such as `US`"


def _check_delivery_method(value: str) -> str | None:
    return None if value in DELIVERY_METHOD_TYPES else suggest(value, DELIVERY_METHOD_TYPES)


def _check_weekday(value: str) -> str | None:
    return None if value in WEEKDAYS else "write a weekday such as `mon`, `sat` or a range `mon-fri`"


def _upper(value: str) -> str:
    return value.strip().upper()


def _fo_field(
    name: str,
    kind: Kind,
    example: str,
    read: Callable[[Snapshot, FulfillmentOrder], Value],
    doc: str,
    normalize: Callable[[str], str] = str.casefold,
    check: Callable[[str], str | None] = lambda _: None,
) -> FieldSpec:
    return FieldSpec(name, kind, example, read, normalize, check, doc)


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        _fo_field(
            "store",
            "text",
            "store: north-wind-us.myshopify.com",
            lambda s, _fo: s.store.lower(),
            "the shop's myshopify domain",
            normalize=str.lower,
        ),
        _fo_field(
            "order_name",
            "text",
            "order_name: {matches: '^#B2B'}",
            lambda s, _fo: _text(s.order.name),
            "the order's name, e.g. `#1001`",
        ),
        _fo_field(
            "order_tags",
            "set",
            "order_tags: {any_of: [vip, wholesale]}",
            lambda s, _fo: _tags(s.order.tags),
            "the order's tags",
        ),
        _fo_field(
            "customer_tags",
            "set",
            "customer_tags: {any_of: [b2b]}",
            lambda s, _fo: _tags(s.order.customer_tags),
            "the customer's tags",
        ),
        _fo_field(
            "total_price",
            "number",
            "total_price: {gte: 500}",
            lambda s, _fo: s.order.total_price,
            "the order's total in the shop currency",
        ),
        _fo_field(
            "currency",
            "text",
            "currency: USD",
            lambda s, _fo: _upper(s.order.currency or ""),
            "the shop currency code",
            normalize=_upper,
        ),
        _fo_field(
            "sales_channel",
            "text",
            "sales_channel: [web, pos]",
            lambda s, _fo: _text(s.order.sales_channel),
            "Shopify's source name: web, pos, an app's name",
        ),
        _fo_field(
            "financial_status",
            "text",
            "financial_status: {not_in: [PAID]}",
            lambda s, _fo: _upper(s.order.financial_status or ""),
            "PAID, PENDING, AUTHORIZED, PARTIALLY_PAID, …",
            normalize=_upper,
        ),
        _fo_field(
            "assigned_location",
            "text",
            "assigned_location: Brooklyn Store",
            _assigned_name,
            "the name of the location Shopify assigned",
        ),
        _fo_field(
            "assigned_location_id",
            "text",
            "assigned_location_id: gid://shopify/Location/105",
            lambda _s, fo: (fo.assigned_location_id or "").casefold(),
            "the GID of the location Shopify assigned",
        ),
        _fo_field(
            "delivery_method",
            "text",
            "delivery_method: [SHIPPING]",
            lambda _s, fo: _upper(fo.delivery_method or ""),
            "SHIPPING, PICK_UP, LOCAL, …",
            normalize=_upper,
            check=_check_delivery_method,
        ),
        _fo_field(
            "destination_country",
            "text",
            "destination_country: [US, CA]",
            lambda s, fo: _destination(s, fo, "country_code").upper(),
            "ISO code of the destination country",
            normalize=_upper,
            check=_check_country,
        ),
        _fo_field(
            "destination_province",
            "text",
            "destination_province: [NY, NJ]",
            _province,
            "province code (name when no code)",
            normalize=_upper,
        ),
        _fo_field(
            "destination_zip",
            "text",
            "destination_zip: {matches: '^10'}",
            lambda s, fo: _upper(_destination(s, fo, "zip")),
            "the destination's postal code",
            normalize=_upper,
        ),
        _fo_field(
            "destination_city",
            "text",
            "destination_city: Toronto",
            lambda s, fo: _text(_destination(s, fo, "city")),
            "the destination's city",
        ),
        _fo_field(
            "line_count",
            "number",
            "line_count: {gt: 5}",
            lambda _s, fo: float(len(_open_lines(fo))),
            "lines with units left to fulfil",
        ),
        _fo_field(
            "total_quantity",
            "number",
            "total_quantity: {gte: 10}",
            lambda _s, fo: float(sum(line.remaining_quantity for line in fo.lines)),
            "units left to fulfil",
        ),
        _fo_field(
            "weekday", "weekday", "weekday: [mon-fri]", _weekday, "shop-local weekday", check=_check_weekday
        ),
        _fo_field("local_time", "time", "local_time: {gte: '15:00'}", _minute, "shop-local time of day"),
        _fo_field("local_date", "date", "local_date: {in: ['2026-12-24']}", _day, "shop-local date"),
    )
}
METAFIELD_PREFIX = "metafield."
_METAFIELD_KEY = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@lru_cache(maxsize=512)
def field_spec(name: str) -> FieldSpec | None:
    """A fulfillment-order field, including `metafield.<namespace>.<key>` of the order."""
    spec = FIELDS.get(name)
    if spec is not None or not name.startswith(METAFIELD_PREFIX):
        return spec
    key = name[len(METAFIELD_PREFIX) :]
    if not _METAFIELD_KEY.fullmatch(key):
        return None
    return FieldSpec(
        name,
        "text",
        f"{name}: {{equals: 'yes'}}",
        lambda s, _fo: _text(s.order.metafields.get(key)),
        doc=f"the order metafield {key}",
    )


# --- line fields -----------------------------------------------------------------------------


def _line_field(
    name: str, kind: Kind, example: str, read: Callable[[FulfillmentOrderLine], Value], doc: str
) -> FieldSpec:
    return FieldSpec(name, kind, example, read, str.casefold, lambda _: None, doc)


LINE_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        _line_field(
            "sku", "text", "sku: {matches: '^NW-00'}", lambda line: _text(line.sku), "the variant's SKU"
        ),
        _line_field(
            "vendor", "text", "vendor: [Acme]", lambda line: _text(line.vendor), "the product's vendor"
        ),
        _line_field(
            "product_type",
            "text",
            "product_type: [Hazmat]",
            lambda line: _text(line.product_type),
            "the product type",
        ),
        _line_field(
            "title",
            "text",
            "title: {contains: gift}",
            lambda line: _text(line.product_title),
            "the product title",
        ),
        _line_field(
            "quantity",
            "number",
            "quantity: {gte: 10}",
            lambda line: float(line.remaining_quantity),
            "units left to fulfil",
        ),
        _line_field(
            "unit_price", "number", "unit_price: {gt: 100}", lambda line: line.unit_price, "price of one unit"
        ),
        _line_field(
            "line_value",
            "number",
            "line_value: {gte: 250}",
            lambda line: None if line.unit_price is None else line.unit_price * line.remaining_quantity,
            "unit price × units left",
        ),
        _line_field(
            "requires_shipping",
            "bool",
            "requires_shipping: true",
            lambda line: line.requires_shipping,
            "ships physically",
        ),
    )
}
