"""`FulfillmentOrder.locationsForMove`: where a fulfillment order could go, and why not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.emulator.connections import connection
from adapters.emulator.fulfillment import FulfillmentOrder
from adapters.emulator.locations import Location
from adapters.emulator.moves import CURRENT_LOCATION_MESSAGE, NOT_STOCKED_LOCATION_MESSAGE, move_blocker

if TYPE_CHECKING:
    from adapters.emulator.views import View, Views


def locations_for_move(views: Views, fo: FulfillmentOrder, args: dict[str, Any]) -> View:
    wanted = args.get("locationIds")
    line_ids = args.get("lineItemIds") or []
    lines = [line for line in fo.line_items if not line_ids or line.id in line_ids]
    candidates = [
        loc
        for loc in views.store.locations.values()
        if loc.is_active and (wanted is None or loc.id in wanted)
    ]

    def view(loc: Location) -> View:
        stocked = [line for line in lines if views.store.inventory.stocks(line.inventory_item_id, loc.id)]
        unstocked = [line for line in lines if line not in stocked]
        blocker = move_blocker(views.store, fo, loc.id)
        if loc.id == fo.assigned_location_id:
            message: str | None = CURRENT_LOCATION_MESSAGE
        elif blocker is not None:
            message = blocker.message
        elif not stocked:
            message = NOT_STOCKED_LOCATION_MESSAGE
        else:
            message = None
        movable = message is None
        return {
            "location": views.location(loc),
            "movable": movable,
            "message": message,
            "availableLineItemsCount": {"count": len(stocked) if movable else 0, "precision": "EXACT"},
            "unavailableLineItemsCount": {
                "count": len(unstocked) if movable else len(lines),
                "precision": "EXACT",
            },
            "availableLineItems": lambda info, **a: connection(
                stocked if movable else [], views.fo_line, lambda li: li.id, a
            ),
            "unavailableLineItems": lambda info, **a: connection(
                unstocked if movable else lines, views.fo_line, lambda li: li.id, a
            ),
        }

    return connection(candidates, view, lambda loc: loc.id, args)
