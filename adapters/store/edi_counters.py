"""Per-vendor EDI counters: interchange (ISA13), group (GS06) and transaction (ST02) control numbers,
and purchase order numbers.

Each number is unique and increasing per vendor and never reused after a crash: it is taken by an
upsert in the caller's transaction (the one that records what the number is used for), so a
number is either committed with its use or rolled back with it. The upsert locks the counter's row
until that transaction ends (PostgreSQL: `INSERT … ON CONFLICT DO UPDATE … RETURNING`, the same row
lock as `UPDATE … RETURNING`, plus the first use; SQLite: the database's single writer), so two
concurrent transactions never get the same number.

Control numbers wrap: ISA13 and GS06 are at most nine digits, so after 999,999,999 the next is 1
(X12 asks only that a partner not see a number again within its duplicate-detection horizon, which
a billion interchanges exceed). ST02 follows the same rule. PO numbers do not wrap.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.store.tables import EdiCounterRow

CounterName = Literal["interchange", "group", "transaction", "po_number"]
MAX_CONTROL_NUMBER = 999_999_999
# No wrap in practice for PO numbers: X12 BEG03 holds 22 characters.
_MAX_PO_NUMBER = 2**31 - 1


@dataclass(frozen=True, slots=True)
class ControlNumbers:
    """The envelope numbers of one outbound interchange (one group, one transaction set)."""

    interchange: int  # ISA13
    group: int  # GS06
    transaction: int  # ST02


async def next_value(session: AsyncSession, vendor_id: str, name: CounterName) -> int:
    """Take the next value of a vendor's counter, in `session`'s transaction (1 on first use)."""
    limit = _MAX_PO_NUMBER if name == "po_number" else MAX_CONTROL_NUMBER
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(EdiCounterRow)
        .values(vendor_id=vendor_id, name=name, value=1)
        .on_conflict_do_update(
            index_elements=["vendor_id", "name"],
            set_={"value": case((EdiCounterRow.value >= limit, 1), else_=EdiCounterRow.value + 1)},
        )
        .returning(EdiCounterRow.value)
    )
    return int((await session.execute(statement)).scalar_one())


async def next_control_numbers(session: AsyncSession, vendor_id: str) -> ControlNumbers:
    """Take the next interchange, group and transaction control numbers of a vendor."""
    return ControlNumbers(
        interchange=await next_value(session, vendor_id, "interchange"),
        group=await next_value(session, vendor_id, "group"),
        transaction=await next_value(session, vendor_id, "transaction"),
    )
