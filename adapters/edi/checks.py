"""Per-vendor document checks (required segments, allowed codes) and the findings they produce.

A finding is located the way a 997 locates an error: AK3 (segment id, position in the set, AK304 code)
and, for an element, AK4 (position, AK403 code, the bad value).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from adapters.edi.interchange import TransactionSet, X12Error

# AK304 segment syntax error codes used here (ASC X12 004010 data element 720).
SEGMENT_MISSING = "3"
SEGMENT_HAS_ELEMENT_ERRORS = "8"
# AK403 element syntax error codes used here (data element 723).
ELEMENT_MISSING = "1"
ELEMENT_INVALID_CODE = "7"

_ELEMENT_REF = re.compile(r"^([A-Z][A-Z0-9]{1,2})(\d{2})$")


@dataclass(frozen=True)
class Finding:
    """What is wrong with one transaction set, where, and the AK3/AK4 codes that say so in a 997."""

    set_control: str
    segment_id: str
    position: int
    segment_code: str
    message: str
    element: int | None = None
    element_code: str = ""
    value: str = ""


@dataclass(frozen=True)
class DocumentRules:
    """One vendor's rules for one transaction set: segments it must carry, codes each element may hold."""

    required: tuple[str, ...] = ()
    codes: Mapping[str, tuple[str, ...]] | None = None


def rules_from_config(
    config: Mapping[str, object], *, source: str = "vendor checks"
) -> dict[str, DocumentRules]:
    """Parse `{"855": {"required": [...], "codes": {"BAK02": [...]}}}`; wrong shapes raise ValueError."""
    rules: dict[str, DocumentRules] = {}
    for code, entry in config.items():
        where = f"{source}: {code}"
        if not isinstance(entry, Mapping):
            raise ValueError(f"{where} must be a mapping with 'required' and/or 'codes'")
        unknown = set(entry) - {"required", "codes"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}; only 'required' and 'codes' are read")
        required = entry.get("required", [])
        if not isinstance(required, list) or not all(isinstance(s, str) for s in required):
            raise ValueError(f"{where}.required must be a list of segment ids such as ['BAK', 'PO1']")
        codes_in = entry.get("codes", {})
        if not isinstance(codes_in, Mapping):
            raise ValueError(f"{where}.codes must map element references (e.g. BAK02) to lists of codes")
        codes: dict[str, tuple[str, ...]] = {}
        for ref, allowed in codes_in.items():
            if not isinstance(ref, str) or not _ELEMENT_REF.match(ref):
                raise ValueError(f"{where}.codes: {ref!r} is not an element reference like BAK02")
            if not isinstance(allowed, list) or not all(isinstance(c, str) for c in allowed):
                raise ValueError(f"{where}.codes.{ref} must be a list of codes")
            codes[ref] = tuple(allowed)
        rules[str(code)] = DocumentRules(tuple(required), codes)
    return rules


def check(ts: TransactionSet, rules: DocumentRules) -> list[Finding]:
    """Every way `ts` breaks `rules`; an empty list means it passes."""
    findings: list[Finding] = []
    present = {segment.id for segment in ts.segments}
    for segment_id in rules.required:
        if segment_id not in present:
            findings.append(
                Finding(
                    ts.control,
                    segment_id,
                    len(ts.segments),
                    SEGMENT_MISSING,
                    f"{ts.code} {ts.control}: required segment {segment_id} is missing",
                )
            )
    for ref, allowed in (rules.codes or {}).items():
        match = _ELEMENT_REF.match(ref)
        assert match is not None  # rules_from_config only admits valid references
        segment_id, element = match.group(1), int(match.group(2))
        for position, segment in enumerate(ts.segments, start=1):
            if segment.id != segment_id:
                continue
            value = segment.get(element)
            if value in allowed:
                continue
            code = ELEMENT_MISSING if not value else ELEMENT_INVALID_CODE
            what = "is missing" if not value else f"is {value!r}, not one of {', '.join(allowed)}"
            findings.append(
                Finding(
                    ts.control,
                    segment_id,
                    position,
                    SEGMENT_HAS_ELEMENT_ERRORS,
                    f"{ts.code} {ts.control} segment {position}: {ref} {what}",
                    element,
                    code,
                    value,
                )
            )
    return findings


def finding_from_error(error: X12Error, ts: TransactionSet) -> Finding:
    """A reader's X12Error about `ts` as a finding, so the document is answered with a rejecting 997."""
    element = int(error.element[-2:]) if error.element[-2:].isdigit() else None
    return Finding(
        ts.control,
        error.segment_id or ts.code,
        error.position or 1,
        SEGMENT_HAS_ELEMENT_ERRORS if element else SEGMENT_MISSING,
        error.problem,
        element,
        "6" if element else "",  # AK403 6: invalid character in data element (e.g. letters in a quantity)
    )
