"""Removing a customer's personal data from what we keep, field by field; no I/O here.

What goes: names, emails, phones, street lines, city, postcode, coordinates, notes, browser
details and the customer object's fields other than its id. What stays, because audit and
replay need it and it names no one: ids, order names, SKUs, quantities, prices, locations, and
the country and province of an address (the rules route on them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

REDACTED = "REDACTED"
# Keys of Shopify's webhook payloads (REST-style JSON) that hold an address.
ADDRESS_KEYS = frozenset(
    {"billing_address", "shipping_address", "default_address", "destination", "addresses"}
)
# What an address keeps: coarse enough to name no one.
ADDRESS_KEEPS = frozenset({"country", "country_code", "province", "province_code"})
# Keys that name or reach a person wherever they appear.
PERSONAL_KEYS = frozenset(
    {
        "email",
        "contact_email",
        "phone",
        "first_name",
        "last_name",
        "browser_ip",
        "client_details",
        "note",
        "note_attributes",
        "customer_locale",
    }
)
CUSTOMER_KEEPS = frozenset({"id", "admin_graphql_api_id"})
# Element positions of the N1*ST loop that stay: codes and qualifiers, state and country.
_KEEPS = {"N1": frozenset({1, 3, 4}), "N4": frozenset({2, 4, 5}), "PER": frozenset({1, 3, 5, 7})}


def scrub_payload(value: Any) -> Any:
    """A webhook payload (parsed JSON) without personal data; the shape and the ids are kept."""
    if isinstance(value, list):
        return [scrub_payload(item) for item in value]
    if not isinstance(value, dict):
        return value
    scrubbed: dict[str, Any] = {}
    for key, item in value.items():
        if key in PERSONAL_KEYS:
            scrubbed[key] = None
        elif key in ADDRESS_KEYS:
            scrubbed[key] = _address_or_list(item)
        elif key == "customer" and isinstance(item, dict):
            scrubbed[key] = {k: v for k, v in item.items() if k in CUSTOMER_KEEPS}
        else:
            scrubbed[key] = scrub_payload(item)
    return scrubbed


def _address_or_list(value: Any) -> Any:
    if isinstance(value, list):
        return [_address_or_list(item) for item in value]
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k in ADDRESS_KEEPS}
    return value


def scrub_snapshot(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """A decision's input snapshot (`engine.model.Snapshot` as JSON) without the customer's data:
    the destination keeps its country and province; the customer's tags go. Locations (the
    merchant's own addresses), lines and stock stay, so the decision still reads as it was made."""
    result = dict(snapshot)
    order = dict(result.get("order") or {})
    if isinstance(order.get("shipping_address"), dict):
        order["shipping_address"] = _coarse(order["shipping_address"])
    if "customer_tags" in order:
        order["customer_tags"] = []
    result["order"] = order
    result["fulfillment_orders"] = [
        {**fo, "destination": _coarse(fo["destination"])} if isinstance(fo.get("destination"), dict) else fo
        for fo in result.get("fulfillment_orders") or ()
    ]
    return result


def _coarse(address: Mapping[str, Any]) -> dict[str, Any]:
    """An `engine.model.Address` with only country and province (its other fields become null)."""
    return {key: (value if key in ADDRESS_KEEPS else None) for key, value in address.items()}


def scrub_x12(raw: str) -> str:
    """An X12 interchange with the ship-to party's name, street, city, postcode and contact
    replaced by REDACTED (N1*ST loop: N1, N2, N3, N4, PER). Segments are replaced, never dropped,
    so the SE segment count stays right; state and country (N402, N404) stay. Text that is not
    an interchange comes back unchanged."""
    if len(raw) < 106 or not raw.startswith("ISA"):
        return raw
    element, terminator = raw[3], raw[105]
    segments = raw.split(terminator)
    in_ship_to = False
    for index, segment in enumerate(segments):
        stripped = segment.lstrip("\r\n")
        lead = segment[: len(segment) - len(stripped)]
        fields = stripped.split(element)
        tag = fields[0]
        if tag == "N1":
            in_ship_to = len(fields) > 1 and fields[1] == "ST"
        elif tag not in ("N2", "N3", "N4", "PER"):
            in_ship_to = False
            continue
        if not in_ship_to:
            continue
        keep = _KEEPS.get(tag, frozenset())
        fields = [tag] + [
            value if (position in keep or not value) else REDACTED
            for position, value in enumerate(fields[1:], start=1)
        ]
        segments[index] = lead + element.join(fields)
    return terminator.join(segments)
