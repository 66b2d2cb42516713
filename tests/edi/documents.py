"""Shared builders for the EDI document tests: our envelope towards mock-edi and a sample purchase order."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from adapters.edi.envelope import Envelope, Party
from adapters.edi.purchase_order import PurchaseOrder, PurchaseOrderLine, ShipTo

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "edi"
AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

# mock-edi's seeded customer ACME trades with it (MOCKEDI, qualifier ZZ) at 004010.
TO_MOCK = Envelope(sender=Party("ZZ", "ACME"), receiver=Party("ZZ", "MOCKEDI"))
FROM_MOCK = Envelope(sender=Party("ZZ", "MOCKEDI"), receiver=Party("ZZ", "ACME"))


def fixture(name: str) -> str:
    """A fixture document by scenario name."""
    return (FIXTURES / name).read_text()


def purchase_order(po_number: str = "PO-1042") -> PurchaseOrder:
    """Three lines of mock-edi catalogue items; PANEL-A3 has only 35 in stock, so 100 come back short."""
    return PurchaseOrder(
        po_number=po_number,
        order_date=date(2026, 11, 2),
        ship_to=ShipTo("Jane Doe", "12 Main St", "Columbus", "OH", "43215", "US"),
        lines=(
            PurchaseOrderLine(1, "SHOP-W1", "WIDGET-001", 10, Decimal("12.50"), "Widget blue"),
            PurchaseOrderLine(2, "SHOP-P3", "PANEL-A3", 100, Decimal("124.5")),
            PurchaseOrderLine(3, "SHOP-B50", "BRKT-050", 5, Decimal("4.15")),
        ),
        notes="Order #1042 from north-wind-us; deliver to the side door",
    )
