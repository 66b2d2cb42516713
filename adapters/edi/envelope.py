"""X12 envelopes we write: parties, delimiters, control numbers and ISA/GS/ST…SE/GE/IEA around a body.

`pyx12.segment.Segment` formats each segment (dropping trailing empty elements); reading is in
`adapters.edi.interchange`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyx12.segment

# GS01 functional identifier code for each transaction set we write or read.
FUNCTIONAL_IDS = {
    "850": "PO",
    "855": "PR",
    "856": "SH",
    "860": "PC",
    "846": "IB",
    "997": "FA",
    "810": "IN",
    "865": "CA",
}


@dataclass(frozen=True)
class Party:
    """An interchange party: ISA05/07 qualifier (ZZ, 01, 12…) and ISA06/08 id (at most 15 characters)."""

    qualifier: str
    id: str


@dataclass(frozen=True)
class Delimiters:
    """The separators an interchange declares in its ISA."""

    element: str = "*"
    segment: str = "~"
    component: str = ">"


@dataclass(frozen=True)
class Envelope:
    """How we address one partner: parties, GS application codes, version and usage (T test, P production)."""

    sender: Party
    receiver: Party
    sender_application: str = ""
    receiver_application: str = ""
    version: str = "004010"
    usage: str = "T"
    delimiters: Delimiters = field(default_factory=Delimiters)

    @property
    def gs_sender(self) -> str:
        """GS02: the application sender code, the ISA id when none is configured."""
        return self.sender_application or self.sender.id

    @property
    def gs_receiver(self) -> str:
        """GS03: the application receiver code, the ISA id when none is configured."""
        return self.receiver_application or self.receiver.id


@dataclass(frozen=True)
class ControlNumbers:
    """ISA13, GS06 and ST02 for one document; allocated by the caller (in SQL), never here."""

    interchange: int
    group: int
    transaction: int


# -- writing -------------------------------------------------------------------------------------


def format_segment(segment_id: str, elements: Sequence[str], delimiters: Delimiters) -> str:
    """One segment as text, trailing empty elements dropped; a value holding a delimiter is refused."""
    for number, value in enumerate(elements, start=1):
        if segment_id == "ISA" and number == 16:
            continue  # ISA16 *is* the component separator
        for name, char in (
            ("element", delimiters.element),
            ("segment", delimiters.segment),
            ("component", delimiters.component),
        ):
            if char in value:
                raise ValueError(
                    f"{segment_id}{number:02d} {value!r} contains the {name} separator {char!r}; "
                    "X12 has no escape character, so remove or replace it before writing"
                )
    raw = delimiters.element.join([segment_id, *elements])
    segment = pyx12.segment.Segment(raw, delimiters.segment, delimiters.element, delimiters.component)
    return str(segment.format())


def _isa(envelope: Envelope, control: int, at: datetime) -> list[str]:
    for role, party in (("sender", envelope.sender), ("receiver", envelope.receiver)):
        if len(party.qualifier) != 2 or not 0 < len(party.id) <= 15:
            raise ValueError(
                f"{role} party {party!r}: the ISA needs a 2-character qualifier and an id of 1-15 characters"
            )
    if envelope.usage not in ("T", "P"):
        raise ValueError(f"usage indicator {envelope.usage!r}: ISA15 must be T (test) or P (production)")
    version = {"004010": "00401", "005010": "00501"}.get(envelope.version[:6])
    if version is None:
        raise ValueError(f"version {envelope.version!r}: only 004010 and 005010 envelopes are written")
    return [
        "00",
        " " * 10,
        "00",
        " " * 10,
        envelope.sender.qualifier,
        envelope.sender.id.ljust(15),
        envelope.receiver.qualifier,
        envelope.receiver.id.ljust(15),
        at.strftime("%y%m%d"),
        at.strftime("%H%M"),
        "U" if version == "00401" else "^",
        version,
        f"{control:09d}",
        "0",
        envelope.usage,
        envelope.delimiters.component,
    ]


def _check_range(name: str, value: int, limit: int) -> None:
    if not 0 < value <= limit:
        raise ValueError(f"{name} control number {value} is out of range 1..{limit}")


def wrap(
    code: str,
    body: Sequence[Sequence[str]],
    envelope: Envelope,
    numbers: ControlNumbers,
    *,
    at: datetime | None = None,
) -> str:
    """One interchange holding one group holding one `code` set whose body segments are `body`.

    Each body segment is `[id, element1, element2, …]`; SE01, GE01 and IEA01 are counted here.
    """
    _check_range("interchange", numbers.interchange, 999_999_999)
    _check_range("group", numbers.group, 999_999_999)
    _check_range("transaction", numbers.transaction, 999_999_999)
    if code not in FUNCTIONAL_IDS:
        raise ValueError(
            f"transaction set {code!r} has no functional group id; known: {sorted(FUNCTIONAL_IDS)}"
        )
    moment = at or datetime.now(UTC)
    d = envelope.delimiters
    set_control = f"{numbers.transaction:04d}"
    lines = [
        format_segment("ISA", _isa(envelope, numbers.interchange, moment), d),
        format_segment(
            "GS",
            [
                FUNCTIONAL_IDS[code],
                envelope.gs_sender,
                envelope.gs_receiver,
                moment.strftime("%Y%m%d"),
                moment.strftime("%H%M"),
                str(numbers.group),
                "X",
                envelope.version,
            ],
            d,
        ),
        format_segment("ST", [code, set_control], d),
        *(format_segment(s[0], s[1:], d) for s in body),
        format_segment("SE", [str(len(body) + 2), set_control], d),
        format_segment("GE", ["1", str(numbers.group)], d),
        format_segment("IEA", ["1", f"{numbers.interchange:09d}"], d),
    ]
    return "\n".join(lines) + "\n"
