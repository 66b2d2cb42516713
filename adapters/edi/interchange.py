"""Reading X12 payloads: interchanges → groups → transaction sets → segments, with precise errors.

pyx12 does the tokenising: `RawX12File` checks the ISA, finds the delimiters it declares and splits
segments, and `pyx12.segment.Segment` splits elements. Cutting a payload into interchanges and checking
envelope counts and control numbers is ours: pyx12 only does that while walking its healthcare maps
(X12Reader collects envelope errors as loose tuples for its own 997, it does not raise them).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pyx12.errors
import pyx12.rawx12file
import pyx12.segment

from adapters.edi.envelope import Delimiters, Party

ISA_LENGTH = 106


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
    if cursor + 2 >= len(text):  # the payload ends inside the ISA: no ISA16 or no terminator
        raise X12Error(
            "the ISA is cut short: ISA16 (component separator) and the segment terminator must follow "
            "the 16th element separator; send the whole interchange",
            position=1,
            segment_id="ISA",
        )
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
