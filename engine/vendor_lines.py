"""Which vendor a location stands for, and which lines a vendor has refused for this order."""

from __future__ import annotations

from engine.allocation import Unit
from engine.model import Snapshot, Vendor


def vendor_at(snapshot: Snapshot, location_id: str | None) -> Vendor | None:
    """The vendor this location stands for, if any."""
    if location_id is None or not snapshot.vendors:
        return None
    return next((vendor for vendor in snapshot.vendors if vendor.location_id == location_id), None)


def refusals(snapshot: Snapshot) -> dict[tuple[str, str], str]:
    """(vendor location id, SKU or line id) -> why that vendor will not ship it for this order."""
    if not snapshot.vendor_lines:
        return {}
    locations = {vendor.id: vendor for vendor in snapshot.vendors}
    refused: dict[tuple[str, str], str] = {}
    for line in snapshot.vendor_lines:
        vendor = locations.get(line.vendor_id)
        if line.status != "refused" or vendor is None:
            continue
        detail = f": {line.detail}" if line.detail else ""
        refused[(vendor.location_id, _line_key(line.sku, line.line_id))] = (
            f"refused by {vendor.name} on PO {line.purchase_order}{detail}"
        )
    return refused


def refusal_key(unit: Unit) -> str:
    return _line_key(unit.line.sku, unit.line.id)


def _line_key(sku: str | None, line_id: str) -> str:
    return sku.casefold() if sku else line_id
