"""Patterns (`matches`) are Python regular expressions, checked when the rules are read.

durable_rules never sees a pattern (its regex dialect differs and fails with a bare number):
the fact builder evaluates each pattern in Python into one boolean property. Matching ignores
case, like every text comparison in the rules, and searches anywhere in the value (anchor with
`^` and `$`). Patterns whose nested repetition can take exponential time on a short value, such
as `(a+)+`, are refused, since one decision must never stall the service.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_PATTERN_LENGTH = 200
_UNBOUNDED = re.compile(r"(?<!\\)(?:[+*]|\{\d*,\})")


@lru_cache(maxsize=1024)
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with `pattern`, or None when it may be used."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"a pattern may be at most {MAX_PATTERN_LENGTH} characters"
    try:
        re.compile(pattern)
    except re.error as error:
        return f"not a valid pattern ({error})"
    if _nested_repetition(pattern):
        return "a repeated group that itself repeats (like `(a+)+`) can take exponential time"
    return None


def _nested_repetition(pattern: str) -> bool:
    """Does a group containing an unbounded repeat carry an unbounded repeat itself?"""
    starts: list[int] = []
    escaped = False
    in_class = False
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
            continue
        if char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            starts.append(index)
        elif char == ")" and starts:
            start = starts.pop()
            inner = pattern[start + 1 : index]
            after = pattern[index + 1 : index + 8]
            if _UNBOUNDED.search(inner) and _UNBOUNDED.match(after):
                return True
    return False
