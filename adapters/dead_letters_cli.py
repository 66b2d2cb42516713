"""`routing-engine deadletters list|retry`: the deliveries that failed for good, and putting them back.

Reads the database of `ROUTING_DATABASE_URL`. `retry` makes the deliveries `pending` again (attempts
reset, available now, no lease); a running service processes them within a second, else the next
one to start does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import TextIO

from adapters.settings import Settings
from adapters.store import create_engine, migrate, session_factory
from adapters.store.dead_letters import DeadLetter, DeadLetters, Retried

EXIT_OK, EXIT_FAILED = 0, 1


def list_dead_letters(settings: Settings, *, shop: str | None, limit: int, as_json: bool, out: TextIO) -> int:
    letters, total = asyncio.run(_list(settings.database_url, shop, limit))
    if as_json:
        print(json.dumps([_as_dict(letter) for letter in letters], indent=2), file=out)
        return EXIT_OK
    where = f" of {shop}" if shop else ""
    if not letters:
        print(f"no failed deliveries{where}", file=out)
        return EXIT_OK
    _print_table(letters, out)
    print(f"{len(letters)} of {total} failed deliveries{where}, newest first", file=out)
    return EXIT_OK


def retry_dead_letters(
    settings: Settings, *, ids: Sequence[int], every: bool, shop: str | None, out: TextIO, err: TextIO
) -> int:
    result = asyncio.run(_retry(settings.database_url, ids, every, shop))
    if result.unknown:
        names = ", ".join(str(i) for i in result.unknown)
        print(
            f"routing-engine: not failed deliveries (no such id, or not in state failed): {names}; "
            "nothing was retried",
            file=err,
        )
        return EXIT_FAILED
    if not result.retried:
        where = f" of {shop}" if shop else ""
        print(f"no failed deliveries{where} to retry", file=out)
        return EXIT_OK
    listed = ", ".join(str(i) for i in result.retried)
    print(f"retried {len(result.retried)} deliveries (now pending): {listed}", file=out)
    return EXIT_OK


async def _list(url: str, shop: str | None, limit: int) -> tuple[list[DeadLetter], int]:
    engine = create_engine(url)
    try:
        await migrate(engine)
        letters = DeadLetters(session_factory(engine))
        return await letters.failed(shop=shop, limit=limit), await letters.count(shop=shop)
    finally:
        await engine.dispose()


async def _retry(url: str, ids: Sequence[int], every: bool, shop: str | None) -> Retried:
    engine = create_engine(url)
    try:
        await migrate(engine)
        letters = DeadLetters(session_factory(engine))
        return await (letters.retry_all(shop=shop) if every else letters.retry(ids))
    finally:
        await engine.dispose()


def _as_dict(letter: DeadLetter) -> dict[str, object]:
    return {
        "id": letter.id,
        "shop": letter.shop,
        "topic": letter.topic,
        "webhook_id": letter.webhook_id,
        "order_id": letter.order_id,
        "attempts": letter.attempts,
        "failed_at": None if letter.failed_at is None else letter.failed_at.isoformat(),
        "note": letter.note,
    }


def _print_table(letters: Sequence[DeadLetter], out: TextIO) -> None:
    header = ("id", "shop", "topic", "webhook id", "order", "attempts", "failed at", "note")
    rows = [
        (
            str(letter.id),
            letter.shop,
            letter.topic,
            letter.webhook_id,
            letter.order_id or "-",
            str(letter.attempts),
            "-" if letter.failed_at is None else letter.failed_at.strftime("%Y-%m-%d %H:%M:%SZ"),
            " ".join((letter.note or "").split()),  # one line per delivery
        )
        for letter in letters
    ]
    # Every column but the last (the note, free text) is padded to its widest cell.
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip(), file=out)
