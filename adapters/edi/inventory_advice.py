"""Vendor stock reports: the X12 846 inventory advice and the `sku,quantity` CSV feed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from adapters.edi.acknowledgment import item_ids, whole_number
from adapters.edi.interchange import TransactionSet, X12Error


@dataclass(frozen=True)
class InventoryAdvice:
    """What a vendor has available: item (store SKU where the vendor gave one, else its item) → quantity."""

    items: dict[str, int]
    as_of: datetime | None


def read_846(ts: TransactionSet) -> InventoryAdvice:
    """Read an 846: each LIN (SK preferred over VP) with QTY*33 (available) or, failing that, its SDQ sum."""
    items: dict[str, int] = {}
    as_of: datetime | None = None
    item = ""
    for position, segment in enumerate(ts.segments, start=1):
        if segment.id == "BIA" and segment.get(4):
            as_of = _when(segment.get(4), segment.get(5))
        elif segment.id == "LIN":
            ids = item_ids(segment, 2)
            item = ids.get("SK") or ids.get("VP") or ""
            if not item:
                raise X12Error(
                    "LIN names no item: expected an SK or VP qualifier with an id",
                    position=position,
                    segment_id="LIN",
                    element="LIN02",
                    transaction=(ts.code, ts.control),
                )
        elif segment.id == "QTY" and segment.get(1) == "33" and item:
            items[item] = whole_number(segment, 2, ts) or 0
        elif segment.id == "SDQ" and item and item not in items:
            amounts = [whole_number(segment, p, ts) or 0 for p in range(4, len(segment.elements) + 1, 2)]
            items[item] = sum(amounts)
    return InventoryAdvice(items, as_of)


def _when(day: str, clock: str) -> datetime | None:
    try:
        return datetime.strptime(day + (clock or "0000")[:4], "%Y%m%d%H%M")
    except ValueError:
        return None


def read_inventory_csv(
    text: str, *, as_of: datetime | None = None, source: str = "inventory feed"
) -> InventoryAdvice:
    """Read a `sku,quantity` CSV with a header; every bad row is reported at once, with its line number."""
    rows = csv.reader(io.StringIO(text))
    header = [cell.strip().lower() for cell in next(rows, [])]
    if header[:2] != ["sku", "quantity"]:
        raise ValueError(f"{source} line 1: expected the header 'sku,quantity', found {','.join(header)!r}")
    items: dict[str, int] = {}
    problems: list[str] = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            problems.append(f"line {number}: expected 2 columns (sku,quantity), found {len(row)}")
            continue
        sku, quantity = row[0].strip(), row[1].strip()
        if not sku:
            problems.append(f"line {number}: the SKU is empty")
        elif not quantity.lstrip("-").isdigit():
            problems.append(f"line {number}: quantity {quantity!r} for {sku} is not a whole number")
        elif sku in items:
            problems.append(f"line {number}: {sku} is listed twice")
        else:
            items[sku] = int(quantity)
    if problems:
        raise ValueError(
            f"{source}: nothing was read; fix these rows and resend:\n  " + "\n  ".join(problems)
        )
    return InventoryAdvice(items, as_of)
