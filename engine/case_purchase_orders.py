"""`given: purchase_orders:` in rule-author test cases: lines already on a vendor's purchase order."""

from __future__ import annotations

from typing import Any

_PO_KEYS = ("vendor", "number", "status", "lines", "due_at", "detail", "fulfillment_order")


def vendor_lines(data: dict[str, Any], po: Any) -> list[dict[str, Any]]:
    """`given.purchase_orders` entry -> the lines of one fulfillment order on that purchase order.

    `{vendor: acme, number: "1042", status: awaiting, lines: {NW-0012: refused}}`: every line of
    the fulfillment order (`fulfillment_order:` its position, 1 by default) has `status`, except
    those `lines` names by SKU.
    """
    if not isinstance(po, dict) or not {"vendor", "number"} <= po.keys() or set(po) - set(_PO_KEYS):
        raise TypeError(
            f"a purchase order takes {', '.join(_PO_KEYS)} (vendor and number required), not {po!r}"
        )
    fo = data["fulfillment_orders"][int(po.get("fulfillment_order", 1)) - 1]
    by_sku = {str(k).casefold(): v for k, v in dict(po.get("lines") or {}).items()}
    return [
        {
            "fulfillment_order_id": fo["id"],
            "line_id": line["id"],
            "sku": line.get("sku"),
            "vendor_id": po["vendor"],
            "purchase_order": str(po["number"]),
            "status": by_sku.get((line.get("sku") or "").casefold(), po.get("status", "awaiting")),
            "due_at": po.get("due_at"),
            "detail": po.get("detail", ""),
        }
        for line in fo["lines"]
    ]
