"""Location load: how many orders our decisions sent to each location on the shop-local day.

Rules can cap a location's orders per day (a daily capacity). The count is ours, not Shopify's:
an order counts once per location it places fulfillment orders at (moves, and keeps where
Shopify put it), on the shop-local day of the snapshot it was decided on, whatever later
decisions of the same order do. Rows are written with the decision, in its transaction, so a
count never runs ahead of the decision log or behind it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.clock import Clock, utc_now
from adapters.store.tables import LocationOrderRow
from engine.decision import Decision
from engine.intents import MoveFulfillmentOrder
from engine.model import Snapshot


def load_day(snapshot: Snapshot, now: datetime) -> str:
    """The shop-local day (`YYYY-MM-DD`) a snapshot was read on; the UTC day when its zone is unknown."""
    stamp = snapshot.local_time or snapshot.read_at
    return stamp[:10] if stamp else now.date().isoformat()


def placed_locations(decision: Decision) -> frozenset[str]:
    """The locations the decision sends the order's fulfillment orders to (moved or kept there).

    A split fulfillment order counts where each of its parts is kept or moved (held parts ship
    from nowhere yet); the move intents are read too, so no target is missed.
    """
    places: set[str | None] = set()
    for outcome in decision.fulfillment_orders:
        if outcome.action in ("move", "keep"):
            places.add(outcome.to_location_id)
        elif outcome.action == "split":
            places.update(part.location_id for part in outcome.parts if part.action in ("move", "keep"))
    places.update(
        intent.to_location_id for intent in decision.intents if isinstance(intent, MoveFulfillmentOrder)
    )
    return frozenset(place for place in places if place)


async def add_placements(
    session: AsyncSession, decision_id: str, decision: Decision, snapshot: Snapshot, now: datetime
) -> None:
    """Count the decision's order at each location it places it at (once: later decisions add nothing)."""
    day = load_day(snapshot, now)
    rows = [
        {
            "shop": decision.store,
            "local_date": day,
            "location_id": location_id,
            "order_id": decision.order_id,
            "decision_id": decision_id,
            "recorded_at": now,
        }
        for location_id in sorted(placed_locations(decision))
    ]
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # "Already counted" is not an error: it must not roll back the decision recorded beside it.
    insert = dialect.insert(LocationOrderRow.__table__).on_conflict_do_nothing()
    await session.execute(insert, rows)


class LocationLoad:
    """Reads the counts that processing adds to a snapshot before deciding."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock = utc_now) -> None:
        self._sessions = sessions
        self._now = clock

    async def counts(self, snapshot: Snapshot, *, besides: Iterable[str] = ()) -> dict[str, int]:
        """`{location id: orders}` on the snapshot's shop-local day, leaving out the orders `besides`.

        An order being decided again is left out of its own counts, so that a location it already
        fills is not "full" for it (and the same state reads the same load each time).
        """
        day = load_day(snapshot, self._now())
        left_out = list(besides)
        async with self._sessions() as session:
            rows = await session.execute(
                select(LocationOrderRow.location_id, func.count())
                .where(LocationOrderRow.shop == snapshot.store, LocationOrderRow.local_date == day)
                .where(LocationOrderRow.order_id.not_in(left_out))
                .group_by(LocationOrderRow.location_id)
            )
            return {location_id: int(count) for location_id, count in rows.all()}
