"""X12 envelopes: writing ISA/GS/ST…SE/GE/IEA around a body, and reading payloads back into them.

pyx12 does the tokenising: `RawX12File` checks the ISA, finds the delimiters it declares and splits
segments, and `pyx12.segment.Segment` splits and formats elements. Cutting a payload into
interchanges and checking the envelope counts and control numbers is ours, because pyx12 only does
that through its healthcare maps (X12Reader reports envelope errors as loose tuples, not raised).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyx12.errors
import pyx12.rawx12file
import pyx12.segment

ISA_LENGTH = 106

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


@dataclass(frozen=True)
class Segment:
    """One segment as read: its id, its elements (element 1 first) and its ordinal in the interchange."""

    id: str
    elements: tuple[str, ...]
    index: int

    def get(self, position: int) -> str:
        """Element `position` (1-based, as in BAK02), or "" when the segment is shorter."""
        return self.elements[position - 1] if 0 < position <= len(self.elements) else ""


@dataclass(frozen=True)
class TransactionSet:
    """ST…SE: `segments` holds ST first and SE last, so a segment's set position is its index + 1."""

    code: str
    control: str
    segments: tuple[Segment, ...]

    def body(self) -> tuple[Segment, ...]:
        """The segments between ST and SE."""
        return self.segments[1:-1]


@dataclass(frozen=True)
class FunctionalGroup:
    """GS…GE with its transaction sets."""

    functional_id: str
    sender: str
    receiver: str
    control: str
    version: str
    sets: tuple[TransactionSet, ...]


@dataclass(frozen=True)
class Interchange:
    """ISA…IEA with its groups; `text` is the interchange exactly as received."""

    sender: Party
    receiver: Party
    control: str
    date: str
    time: str
    usage: str
    delimiters: Delimiters
    groups: tuple[FunctionalGroup, ...]
    text: str


@dataclass(frozen=True)
class GroupRef:
    """Enough of a GS to acknowledge it (AK1) when the group could not be read whole."""

    functional_id: str
    control: str
    version: str


class X12Error(ValueError):
    """A payload that is not a well-formed X12 envelope, located as precisely as we can.

    `ak5_code` / `ak9_code` are the 997 syntax codes for the fault (AK502 / AK905) when it is a set's or a
    group's, so a rejecting 997 can say the same thing; `group` and `transaction` name what it was in.
    """

    def __init__(
        self,
        problem: str,
        *,
        position: int | None = None,
        segment_id: str = "",
        element: str = "",
        interchange: str = "",
        group: GroupRef | None = None,
        transaction: tuple[str, str] | None = None,
        ak5_code: str = "",
        ak9_code: str = "",
    ) -> None:
        self.problem = problem
        self.position = position
        self.segment_id = segment_id
        self.element = element
        self.interchange = interchange
        self.group = group
        self.transaction = transaction
        self.ak5_code = ak5_code
        self.ak9_code = ak9_code
        where = [f"interchange {interchange}"] if interchange else []
        if position is not None:
            where.append(f"segment {position}" + (f" ({segment_id})" if segment_id else ""))
        if element:
            where.append(f"element {element}")
        super().__init__(f"{', '.join(where) or 'payload'}: {problem}")


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


# -- reading -------------------------------------------------------------------------------------


def _cut(text: str, start: int, ordinal: int) -> tuple[str, Delimiters, int]:
    """The interchange starting at `start`, its delimiters, and where the next one may begin."""
    if text[start : start + 3] != "ISA":
        raise X12Error(
            f"expected an ISA to start interchange {ordinal}, found {text[start : start + 20]!r}; "
            "every interchange must begin with ISA",
            position=1,
        )
    element = text[start + 3 : start + 4]
    cursor = start
    for _ in range(16):
        cursor = text.find(element, cursor + 1)
        if cursor < 0:
            raise X12Error("the ISA has fewer than 16 elements", position=1, segment_id="ISA")
    length = cursor + 3 - start
    if length != ISA_LENGTH:
        raise X12Error(
            f"the ISA is {length} characters long; it is fixed-width and must be exactly {ISA_LENGTH} "
            "(ISA06/ISA08 padded to 15, ISA13 nine digits)",
            position=1,
            segment_id="ISA",
        )
    delimiters = Delimiters(element=element, component=text[cursor + 1], segment=text[cursor + 2])
    seg, el = re.escape(delimiters.segment), re.escape(element)
    trailer = re.compile(seg + r"\s*IEA" + el + r"[^" + seg + "]*" + seg).search(text, start)
    end = trailer.end() if trailer else len(text)
    return text[start:end], delimiters, end


def _segments(chunk: str, delimiters: Delimiters) -> list[Segment]:
    if re.search(re.escape(delimiters.segment) + r"\s*" + re.escape(delimiters.segment), chunk):
        # RawX12File stops silently at an empty segment; say so instead of losing the rest.
        raise X12Error("an empty segment (two segment terminators in a row); remove it and resend")
    try:
        raw = pyx12.rawx12file.RawX12File(io.StringIO(chunk))
    except pyx12.errors.X12Error as error:
        raise X12Error(str(error), position=1, segment_id="ISA") from error
    found: list[Segment] = []
    for index, line in enumerate(raw, start=1):
        parsed = pyx12.segment.Segment(line, delimiters.segment, delimiters.element, delimiters.component)
        ids = str(parsed.seg_id or "").strip()
        values = tuple(str(e.format(delimiters.component)) for e in parsed.elements)
        found.append(Segment(ids, values, index))
    return found


def read_interchanges(text: str) -> list[Interchange]:
    """Every interchange in a payload (one after another, each with its own delimiters), checked.

    Raises `X12Error` naming the segment and element at fault for a broken envelope: bad ISA length,
    SE01/GE01/IEA01 counts, header/trailer control numbers that differ, a missing SE/GE/IEA.
    """
    interchanges: list[Interchange] = []
    start = 0
    while True:
        while start < len(text) and text[start] in " \t\r\n\ufeff":
            start += 1
        if start >= len(text):
            break
        chunk, delimiters, start = _cut(text, start, len(interchanges) + 1)
        interchanges.append(_read_one(chunk, delimiters))
    if not interchanges:
        raise X12Error("the payload is empty: expected at least one ISA…IEA interchange")
    return interchanges


def _read_one(chunk: str, delimiters: Delimiters) -> Interchange:
    segments = _segments(chunk, delimiters)
    isa = segments[0]
    control = isa.get(13)
    if not (control.isdigit() and len(control) == 9):
        raise X12Error(
            f"ISA13 {control!r} must be nine digits", position=1, segment_id="ISA", element="ISA13"
        )
    walker = _Walker(segments, control)
    groups = walker.groups()
    return Interchange(
        sender=Party(isa.get(5), isa.get(6).strip()),
        receiver=Party(isa.get(7), isa.get(8).strip()),
        control=control,
        date=isa.get(9),
        time=isa.get(10),
        usage=isa.get(15),
        delimiters=delimiters,
        groups=tuple(groups),
        text=chunk,
    )


class _Walker:
    """Walks one interchange's segments into groups and sets, checking every trailer."""

    def __init__(self, segments: list[Segment], control: str) -> None:
        self.segments = segments
        self.control = control
        self.at = 1

    def fail(self, problem: str, segment: Segment, element: str = "", **context: object) -> X12Error:
        return X12Error(
            problem,
            position=segment.index,
            segment_id=segment.id,
            element=element,
            interchange=self.control,
            **context,  # type: ignore[arg-type]
        )

    def groups(self) -> list[FunctionalGroup]:
        groups: list[FunctionalGroup] = []
        while self.at < len(self.segments):
            segment = self.segments[self.at]
            if segment.id == "IEA":
                self._check_iea(segment, len(groups))
                if self.at != len(self.segments) - 1:
                    raise self.fail(
                        "segments follow the IEA inside one interchange", self.segments[self.at + 1]
                    )
                return groups
            if segment.id != "GS":
                raise self.fail(
                    f"expected GS or IEA, found {segment.id}: every set must sit in a group", segment
                )
            groups.append(self._group(segment))
        last = self.segments[-1]
        raise self.fail(
            f"interchange {self.control} has no IEA; the payload was cut short or the IEA is missing", last
        )

    def _check_iea(self, iea: Segment, count: int) -> None:
        if iea.get(1) != str(count):
            raise self.fail(f"IEA01 says {iea.get(1)!r} groups, the interchange holds {count}", iea, "IEA01")
        if iea.get(2) != self.control:
            raise self.fail(f"IEA02 {iea.get(2)!r} does not match ISA13 {self.control!r}", iea, "IEA02")

    def _group(self, gs: Segment) -> FunctionalGroup:
        ref = GroupRef(gs.get(1), gs.get(6), gs.get(8))
        self.at += 1
        sets: list[TransactionSet] = []
        while self.at < len(self.segments):
            segment = self.segments[self.at]
            if segment.id == "GE":
                self.at += 1
                if segment.get(1) != str(len(sets)):
                    raise self.fail(
                        f"GE01 says {segment.get(1)!r} sets, the group holds {len(sets)}",
                        segment,
                        "GE01",
                        group=ref,
                        ak9_code="5",
                    )
                if segment.get(2) != gs.get(6):
                    raise self.fail(
                        f"GE02 {segment.get(2)!r} does not match GS06 {gs.get(6)!r}",
                        segment,
                        "GE02",
                        group=ref,
                        ak9_code="4",
                    )
                return FunctionalGroup(gs.get(1), gs.get(2), gs.get(3), gs.get(6), gs.get(8), tuple(sets))
            if segment.id != "ST":
                raise self.fail(
                    f"expected ST or GE in group {gs.get(6)}, found {segment.id}",
                    segment,
                    group=ref,
                    ak9_code="3",
                )
            sets.append(self._set(segment, ref))
        raise self.fail(f"group {gs.get(6)} has no GE", self.segments[-1], group=ref, ak9_code="3")

    def _set(self, st: Segment, ref: GroupRef) -> TransactionSet:
        start = self.at
        which = (st.get(1), st.get(2))
        self.at += 1
        while self.at < len(self.segments):
            segment = self.segments[self.at]
            self.at += 1
            if segment.id in ("ST", "GE", "GS", "IEA", "ISA"):
                raise self.fail(
                    f"transaction set {st.get(2)} has no SE before this {segment.id}",
                    segment,
                    group=ref,
                    transaction=which,
                    ak5_code="2",
                )
            if segment.id != "SE":
                continue
            members = tuple(self.segments[start : self.at])
            if segment.get(1) != str(len(members)):
                raise self.fail(
                    f"SE01 says {segment.get(1)!r} segments, set {st.get(2)} holds {len(members)} "
                    "(ST and SE included)",
                    segment,
                    "SE01",
                    group=ref,
                    transaction=which,
                    ak5_code="4",
                )
            if segment.get(2) != st.get(2):
                raise self.fail(
                    f"SE02 {segment.get(2)!r} does not match ST02 {st.get(2)!r}",
                    segment,
                    "SE02",
                    group=ref,
                    transaction=which,
                    ak5_code="3",
                )
            return TransactionSet(st.get(1), st.get(2), members)
        raise self.fail(
            f"transaction set {st.get(2)} has no SE",
            self.segments[-1],
            group=ref,
            transaction=which,
            ak5_code="2",
        )
