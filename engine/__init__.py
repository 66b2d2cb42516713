"""The pure decision core: rule files + a snapshot of one order -> a Decision.

No I/O, no clock, no randomness: the adapters read rule files and Shopify, and execute intents.
"""

from engine.decide import TAG_HELD, TAG_ROUTED, decide
from engine.decision import Decision, FulfillmentOrderOutcome, Outcome, ShipmentPart, TraceEntry
from engine.errors import Mark, RuleIssue, RuleSetError
from engine.fingerprint import decision_fingerprint
from engine.intents import (
    DECISION_METAFIELD_KEY,
    DECISION_METAFIELD_NAMESPACE,
    HOLD_HANDLE_PREFIX,
    VENDOR_HOLD_HANDLE,
    AddOrderTags,
    HoldFulfillmentOrder,
    Intent,
    LineQuantity,
    MoveFulfillmentOrder,
    PurchaseOrderItem,
    ReleaseHold,
    SendPurchaseOrder,
    SetOrderMetafield,
    hold_handle,
    is_our_hold_handle,
)
from engine.model import (
    Address,
    FulfillmentOrder,
    FulfillmentOrderLine,
    Hold,
    Location,
    Order,
    Snapshot,
    Vendor,
    VendorLine,
)
from engine.ruleset import HoldFallback, HoldRule, KeepFallback, RuleSet, Strategy, parse_ruleset
from engine.summary import SUMMARY_VERSION

__all__ = [
    "DECISION_METAFIELD_KEY",
    "DECISION_METAFIELD_NAMESPACE",
    "HOLD_HANDLE_PREFIX",
    "SUMMARY_VERSION",
    "TAG_HELD",
    "TAG_ROUTED",
    "AddOrderTags",
    "Address",
    "Decision",
    "FulfillmentOrder",
    "FulfillmentOrderLine",
    "FulfillmentOrderOutcome",
    "Hold",
    "HoldFallback",
    "HoldRule",
    "HoldFulfillmentOrder",
    "Intent",
    "KeepFallback",
    "LineQuantity",
    "Location",
    "Mark",
    "MoveFulfillmentOrder",
    "PurchaseOrderItem",
    "SendPurchaseOrder",
    "VENDOR_HOLD_HANDLE",
    "Vendor",
    "VendorLine",
    "Order",
    "Outcome",
    "ReleaseHold",
    "RuleIssue",
    "RuleSet",
    "RuleSetError",
    "SetOrderMetafield",
    "ShipmentPart",
    "Snapshot",
    "Strategy",
    "TraceEntry",
    "decide",
    "decision_fingerprint",
    "hold_handle",
    "is_our_hold_handle",
    "parse_ruleset",
]
