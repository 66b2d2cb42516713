"""Where Shopify lets a fulfillment order go: its moves, as the candidates of a strategy see them.

A fulfillment order may always stay where it is (unless the rules close that location and our
stored decision did not send it there); a move needs an active location that fulfils online
orders, MOVE among the fulfillment order's supported actions, and the location among those
Shopify lists for it (when it was asked), and the rules must not close the location now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.model import FulfillmentOrder

if TYPE_CHECKING:
    from engine.candidates import Candidate


class Mobility:
    """Where Shopify lets one fulfillment order go, read once per decision (`Lookup.mobility`)."""

    __slots__ = ("assigned", "fixed", "fo_id", "movable_to")

    def __init__(self, fo: FulfillmentOrder) -> None:
        self.assigned = fo.assigned_location_id
        self.fo_id = fo.id
        actions = fo.supported_actions
        self.fixed = (
            f"FO {self.fo_id.rsplit('/', 1)[-1]} cannot be moved (no MOVE among its supported actions)"
            if actions and "MOVE" not in actions
            else None
        )
        self.movable_to = fo.movable_to

    def block(self, candidate: Candidate) -> str | None:
        """Why the fulfillment order may not go to (or stay at) the candidate, or None."""
        location_id = candidate.id
        if self.assigned == location_id:
            return None if candidate.ours else candidate.closed
        if candidate.barred is not None:
            return candidate.barred
        if self.fixed is not None:
            return self.fixed
        if self.movable_to is not None and location_id not in self.movable_to:
            label = f"FO {self.fo_id.rsplit('/', 1)[-1]}"
            return f"Shopify does not list it among the locations {label} can move to"
        return candidate.closed
