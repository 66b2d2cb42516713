"""Drop-ship vendors (issue 4): their configuration (`config`) and the sweeper of overdue and unsent
purchase orders (`sweeper`). The purchase orders themselves are in `adapters.store.purchase_orders`."""

from adapters.vendors.config import (
    DocumentChecks,
    HttpTransport,
    InventorySync,
    MailboxTransport,
    VendorConfig,
    load_vendors,
)
from adapters.vendors.sweeper import Sweeper, SweepRound

__all__ = [
    "DocumentChecks",
    "HttpTransport",
    "InventorySync",
    "MailboxTransport",
    "SweepRound",
    "Sweeper",
    "VendorConfig",
    "load_vendors",
]
