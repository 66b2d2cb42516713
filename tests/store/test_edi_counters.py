"""EDI counters: control numbers wrap after nine digits, PO numbers never do, and a number taken by
a transaction that rolled back was never used, so it is taken again."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters.store.edi_counters import MAX_CONTROL_NUMBER, CounterName, next_control_numbers, next_value
from adapters.store.tables import EdiCounterRow

Sessions = async_sessionmaker[AsyncSession]


async def set_counter(sessions: Sessions, name: CounterName, value: int) -> None:
    async with sessions.begin() as session:
        await next_value(session, "acme", name)
        await session.execute(
            update(EdiCounterRow)
            .where(EdiCounterRow.vendor_id == "acme", EdiCounterRow.name == name)
            .values(value=value)
        )


async def test_the_interchange_number_wraps_to_1_after_999_999_999(sessions: Sessions) -> None:
    await set_counter(sessions, "interchange", MAX_CONTROL_NUMBER - 1)
    async with sessions.begin() as session:
        taken = [await next_value(session, "acme", "interchange") for _ in range(2)]
    assert taken == [999_999_999, 1]


async def test_po_numbers_go_past_nine_digits(sessions: Sessions) -> None:
    await set_counter(sessions, "po_number", MAX_CONTROL_NUMBER)
    async with sessions.begin() as session:
        assert await next_value(session, "acme", "po_number") == 1_000_000_000


async def test_numbers_taken_in_a_rolled_back_transaction_are_taken_again(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        assert (await next_control_numbers(session, "acme")).interchange == 1
        await session.rollback()
    async with sessions.begin() as session:
        numbers = await next_control_numbers(session, "acme")
    assert (numbers.interchange, numbers.group, numbers.transaction) == (1, 1, 1)
