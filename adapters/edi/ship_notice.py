"""The vendor's 856 ship notice: what left, for which POs, with which carrier and tracking numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from adapters.edi.acknowledgment import item_ids, whole_number
from adapters.edi.interchange import Interchange, Segment, TransactionSet, X12Error


@dataclass(frozen=True)
class ShippedItem:
    """One HL item level: the PO it belongs to (from its order level), line, item ids and quantity shipped."""

    po_number: str
    line_number: int | None
    vendor_item: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class ShipNotice:
    """An 856; `shipped_at` is the vendor's local time as written (X12 dates carry no zone)."""

    shipment_id: str
    po_numbers: tuple[str, ...]
    carrier_scac: str
    carrier_name: str
    tracking_numbers: tuple[str, ...]
    items: tuple[ShippedItem, ...]
    shipped_at: datetime | None
    set_control: str = ""


@dataclass
class _Level:
    id: str
    parent: str
    code: str
    segments: list[Segment]


def _levels(ts: TransactionSet) -> dict[str, _Level]:
    levels: dict[str, _Level] = {}
    current: _Level | None = None
    for position, segment in enumerate(ts.segments, start=1):
        if segment.id == "HL":
            hl_id, parent = segment.get(1), segment.get(2)
            problem = ""
            if not hl_id or hl_id in levels:
                problem = f"HL01 {hl_id!r} is missing or used twice"
            elif parent and parent not in levels:
                problem = f"HL02 names parent {parent!r}, which is not an earlier HL"
            if problem:
                raise X12Error(
                    problem,
                    position=position,
                    segment_id="HL",
                    element="HL01" if "HL01" in problem else "HL02",
                    transaction=(ts.code, ts.control),
                )
            current = _Level(hl_id, parent, segment.get(3), [])
            levels[hl_id] = current
        elif current is not None and segment.id != "SE":
            current.segments.append(segment)
    if not levels:
        raise X12Error(
            "an 856 needs an HL tree (shipment, order, item); none was found",
            position=2,
            segment_id="HL",
            transaction=(ts.code, ts.control),
        )
    return levels


def _ancestor(levels: dict[str, _Level], level: _Level, code: str) -> _Level | None:
    seen = 0
    node: _Level | None = level
    while node is not None and seen <= len(levels):
        if node.code == code:
            return node
        node = levels.get(node.parent)
        seen += 1
    return None


def _when(day: str, clock: str) -> datetime | None:
    try:
        return datetime.strptime(day + (clock or "0000")[:4], "%Y%m%d%H%M")
    except ValueError:
        return None


def read_856(ts: TransactionSet) -> ShipNotice:
    """Read an 856 by walking its HL tree through the parent pointers (S → O → P/T → I)."""
    bsn = next((s for s in ts.body() if s.id == "BSN"), None)
    if bsn is None or not bsn.get(2):
        raise X12Error(
            "an 856 needs a BSN with the shipment id in BSN02",
            position=2,
            segment_id="BSN",
            transaction=(ts.code, ts.control),
        )
    levels = _levels(ts)
    shipped_at = _when(bsn.get(3), bsn.get(4))
    scac = name = ""
    tracking: list[str] = []
    po_numbers: list[str] = []
    items: list[ShippedItem] = []
    for level in levels.values():
        for segment in level.segments:
            if segment.id == "TD5" and not scac:
                scac, name = segment.get(3), segment.get(5)
            elif (
                segment.id == "REF"
                and segment.get(1) == "CN"
                or segment.id == "MAN"
                and segment.get(1) in ("CP", "GM", "SM")
            ):
                number = segment.get(2)
                if number and number not in tracking:
                    tracking.append(number)
            elif segment.id == "DTM" and segment.get(1) == "011":
                shipped_at = _when(segment.get(2), segment.get(3)) or shipped_at
            elif segment.id == "PRF" and segment.get(1) not in po_numbers:
                po_numbers.append(segment.get(1))
        if level.code == "I":
            items.append(_item(ts, levels, level))
    return ShipNotice(
        bsn.get(2), tuple(po_numbers), scac, name, tuple(tracking), tuple(items), shipped_at, ts.control
    )


def _item(ts: TransactionSet, levels: dict[str, _Level], level: _Level) -> ShippedItem:
    order = _ancestor(levels, level, "O")
    po = next((s.get(1) for s in order.segments if s.id == "PRF"), "") if order else ""
    lin = next((s for s in level.segments if s.id == "LIN"), None)
    sn1 = next((s for s in level.segments if s.id == "SN1"), None)
    if lin is None or sn1 is None:
        hl = next(s for s in ts.segments if s.id == "HL" and s.get(1) == level.id)
        raise X12Error(
            f"item level HL {level.id} needs a LIN and an SN1",
            position=ts.segments.index(hl) + 1,
            segment_id="HL",
            transaction=(ts.code, ts.control),
        )
    ids = item_ids(lin, 2)
    quantity = whole_number(sn1, 2, ts)
    return ShippedItem(
        po_number=po,
        line_number=whole_number(lin, 1, ts) if lin.get(1) else whole_number(sn1, 1, ts),
        vendor_item=ids.get("VP", ""),
        sku=ids.get("SK", ""),
        quantity=quantity or 0,
    )


def ship_notices(interchange: Interchange) -> list[ShipNotice]:
    """Every 856 in an interchange."""
    return [read_856(ts) for group in interchange.groups for ts in group.sets if ts.code == "856"]
