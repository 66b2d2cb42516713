"""Sources outside the store, as one port for processing: drop-ship vendors and other stores.

The engine sees both as `Vendor`s (kinds "vendor" and "store") and plans `SendPurchaseOrder` or
`HandOff`; this sends each to the desk that executes it.
"""

from __future__ import annotations

from adapters.handoffs.desk import HandOffDesk
from adapters.ports import StoreGateway
from adapters.shopify.outcomes import IntentResult, failed
from adapters.vendors.desk import VendorDesk
from engine.intents import HandOff, SendPurchaseOrder
from engine.model import Snapshot


class OutsideSources:
    def __init__(self, *, vendors: VendorDesk | None = None, handoffs: HandOffDesk | None = None) -> None:
        self.vendors = vendors
        self.handoffs = handoffs

    async def with_vendors(self, snapshot: Snapshot) -> Snapshot:
        if self.vendors is not None:
            snapshot = await self.vendors.with_vendors(snapshot)
        if self.handoffs is not None:
            snapshot = await self.handoffs.with_stand_ins(snapshot)
        return snapshot

    async def buy(
        self,
        intent: SendPurchaseOrder | HandOff,
        gateway: StoreGateway,
        *,
        snapshot: Snapshot | None,
        decided_on: Snapshot | None,
        key: str,
    ) -> IntentResult:
        if isinstance(intent, HandOff):
            if self.handoffs is None:
                return failed("a hand-off, but no stand-ins are configured any more")
            return await self.handoffs.hand_off(
                intent, gateway, snapshot=snapshot, decided_on=decided_on, key=key
            )
        if self.vendors is None:
            return failed(f"vendor {intent.vendor_id}: no vendors are configured any more")
        return await self.vendors.buy(intent, gateway, snapshot=snapshot, decided_on=decided_on, key=key)
