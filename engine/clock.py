"""Shop-local time as rules read it: weekday, minute of the day, calendar date. No clock here.

The snapshot carries the shop's wall-clock time when it was read (`Snapshot.local_time`, ISO 8601
with its UTC offset); every time-based rule (conditions, business hours, cut-offs, closed days)
reads that one value, so a decision can be replayed exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LONG = {name.lower(): short for name, short in zip(WEEKDAY_NAMES, WEEKDAYS, strict=True)}
_CLOCK = re.compile(r"([01]?\d|2[0-4]):([0-5]\d)")


@dataclass(frozen=True)
class LocalTime:
    """The parts of a shop-local moment the rules read."""

    weekday: int  # 0 = Monday
    minute: int  # minutes since local midnight
    day: date
    # Written once: every candidate's closed-days check reads it.
    iso_day: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "iso_day", self.day.isoformat())

    @property
    def weekday_code(self) -> str:
        return WEEKDAYS[self.weekday]

    @property
    def weekday_name(self) -> str:
        return WEEKDAY_NAMES[self.weekday]

    @property
    def clock(self) -> str:
        return format_minute(self.minute)


@lru_cache(maxsize=256)
def parse_local_time(text: str | None) -> LocalTime | None:
    """`2026-11-27T09:15:00-05:00` -> Friday, 555, 2026-11-27; None when absent or unreadable."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return LocalTime(moment.weekday(), moment.hour * 60 + moment.minute, moment.date())


def parse_clock(text: str) -> int | None:
    """`"15:30"` -> 930 (minutes since midnight); `"24:00"` is the end of the day; else None."""
    match = _CLOCK.fullmatch(text.strip())
    if match is None:
        return None
    minute = int(match.group(1)) * 60 + int(match.group(2))
    return minute if minute <= 24 * 60 else None


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_weekdays(text: str) -> tuple[str, ...] | None:
    """`mon`, `Monday`, `mon-fri`, `fri-mon` (wrapping) -> weekday codes in order; None if unknown."""
    parts = [part.strip().lower() for part in text.split("-")]
    codes = [_LONG.get(part, part) for part in parts]
    if len(codes) not in (1, 2) or any(code not in WEEKDAYS for code in codes):
        return None
    first = WEEKDAYS.index(codes[0])
    last = WEEKDAYS.index(codes[-1])
    span = (last - first) % 7
    return tuple(WEEKDAYS[(first + step) % 7] for step in range(span + 1))
