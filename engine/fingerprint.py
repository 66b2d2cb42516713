"""`decision_fingerprint()`: a stable hash of everything `decide()` looks at.

Two snapshots with the same fingerprint under the same rule set give the same decision, so the
service can recognise "this exact state was already decided". The read time is left out.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from engine.allocation import needs
from engine.intents import DECISION_METAFIELD_KEY, DECISION_METAFIELD_NAMESPACE
from engine.model import Snapshot
from engine.ruleset import RuleSet


def decision_fingerprint(snapshot: Snapshot, ruleset: RuleSet) -> str:
    """sha256 (hex) of the routing-relevant state, in canonical JSON."""
    items = sorted({item for fo in snapshot.fulfillment_orders for item in needs(fo)})
    order = snapshot.order
    state: dict[str, Any] = {
        "ruleset": ruleset.version,
        "store": snapshot.store,
        "order": {
            "id": order.id,
            "name": order.name,
            "tags": sorted(order.tags),
            "country": order.shipping_address.country_code if order.shipping_address else None,
            "decision": order.metafields.get(f"{DECISION_METAFIELD_NAMESPACE}.{DECISION_METAFIELD_KEY}"),
        },
        "fulfillment_orders": [
            {
                "id": fo.id,
                "status": fo.status,
                "request_status": fo.request_status,
                "location": fo.assigned_location_id,
                "delivery_method": fo.delivery_method,
                "country": fo.destination.country_code if fo.destination else None,
                "holds": sorted([h.id, h.reason, h.handle, h.held_by_us, h.notes] for h in fo.holds),
                "lines": [
                    [
                        line.id,
                        line.sku,
                        line.inventory_item_id,
                        line.remaining_quantity,
                        line.requires_shipping,
                    ]
                    for line in fo.lines
                ],
                "supported_actions": sorted(fo.supported_actions),
                "movable_to": sorted(fo.movable_to) if fo.movable_to is not None else None,
            }
            for fo in snapshot.fulfillment_orders
        ],
        "locations": sorted(
            [loc.id, loc.name, loc.store, loc.is_active, loc.fulfills_online_orders]
            for loc in snapshot.locations
        ),
        "inventory": {item: dict(sorted(snapshot.inventory.get(item, {}).items())) for item in items},
    }
    canonical = json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
