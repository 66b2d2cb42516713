"""The 997 functional acknowledgment: reading the vendor's verdict on our sets, and writing ours on theirs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from adapters.edi.checks import Finding
from adapters.edi.envelope import ControlNumbers, Envelope, wrap
from adapters.edi.interchange import FunctionalGroup, TransactionSet, X12Error

# AK501 / AK901 acknowledgment codes (ASC X12 004010 data elements 717 and 715).
VERDICTS = {
    "A": "Accepted",
    "E": "Accepted, but errors were noted",
    "M": "Rejected, message authentication code failed",
    "P": "Partially accepted, at least one transaction set was rejected",
    "R": "Rejected",
    "W": "Rejected, assurance failed validity tests",
    "X": "Rejected, content after decryption could not be analyzed",
}
ONE_OR_MORE_SEGMENTS_IN_ERROR = "5"  # AK502 code 5 (data element 718)


@dataclass(frozen=True)
class ElementError:
    """An AK4: element position, data element reference, AK403 code and the bad value."""

    position: str
    reference: str
    code: str
    value: str


@dataclass(frozen=True)
class SegmentError:
    """An AK3 with its AK4s."""

    segment_id: str
    position: str
    loop: str
    code: str
    elements: tuple[ElementError, ...]


@dataclass(frozen=True)
class SetAcknowledgment:
    """An AK2/AK5 loop: the verdict on one of our transaction sets."""

    code: str
    control: str
    status: str
    error_codes: tuple[str, ...]
    segment_errors: tuple[SegmentError, ...]

    @property
    def accepted(self) -> bool:
        """A and E both mean the set was taken."""
        return self.status in ("A", "E")


@dataclass(frozen=True)
class FunctionalAcknowledgment:
    """A 997 about one of our groups (AK1 names it by GS01 and GS06)."""

    functional_id: str
    group_control: str
    status: str
    included: int
    received: int
    accepted_count: int
    group_error_codes: tuple[str, ...]
    sets: tuple[SetAcknowledgment, ...]

    def verdict_for(self, control: str) -> str:
        """The AK501 status of our set `control` (ST02); AK901 applies to every set when no AK2 names it."""
        for item in self.sets:
            if item.control.lstrip("0") == control.lstrip("0"):
                return item.status
        return self.status if not self.sets else ""


def _count(text: str) -> int:
    return int(text) if text.isdigit() else 0


def read_997(ts: TransactionSet) -> FunctionalAcknowledgment:
    """Read a 997; one without AK1 or AK9 is an X12Error naming the missing segment."""
    ak1 = next((s for s in ts.body() if s.id == "AK1"), None)
    ak9 = next((s for s in ts.body() if s.id == "AK9"), None)
    if ak1 is None or ak9 is None:
        raise X12Error(
            f"a 997 needs AK1 and AK9; {'AK1' if ak1 is None else 'AK9'} is missing",
            segment_id="AK1" if ak1 is None else "AK9",
            transaction=(ts.code, ts.control),
        )
    sets: list[SetAcknowledgment] = []
    code = control = ""
    segment_errors: list[SegmentError] = []
    for segment in ts.body():
        if segment.id == "AK2":
            code, control, segment_errors = segment.get(1), segment.get(2), []
        elif segment.id == "AK3":
            segment_errors.append(
                SegmentError(segment.get(1), segment.get(2), segment.get(3), segment.get(4), ())
            )
        elif segment.id == "AK4" and segment_errors:
            last = segment_errors[-1]
            element = ElementError(segment.get(1), segment.get(2), segment.get(3), segment.get(4))
            segment_errors[-1] = SegmentError(
                last.segment_id, last.position, last.loop, last.code, (*last.elements, element)
            )
        elif segment.id == "AK5":
            sets.append(
                SetAcknowledgment(code, control, segment.get(1), segment.elements[1:], tuple(segment_errors))
            )
    return FunctionalAcknowledgment(
        ak1.get(1),
        ak1.get(2),
        ak9.get(1),
        _count(ak9.get(2)),
        _count(ak9.get(3)),
        _count(ak9.get(4)),
        ak9.elements[4:],
        tuple(sets),
    )


def _loop(ts_code: str, ts_control: str, findings: Sequence[Finding]) -> list[list[str]]:
    body = [["AK2", ts_code, ts_control]]
    for finding in findings:
        body.append(["AK3", finding.segment_id, str(max(1, finding.position)), "", finding.segment_code])
        if finding.element is not None:
            # AK404 copies the bad value; 99 characters is the element's limit.
            body.append(["AK4", str(finding.element), "", finding.element_code or "7", finding.value[:99]])
    body.append(["AK5", "R", ONE_OR_MORE_SEGMENTS_IN_ERROR] if findings else ["AK5", "A"])
    return body


def write_997(
    answering: FunctionalGroup,
    findings: Sequence[Finding],
    envelope: Envelope,
    control_numbers: ControlNumbers,
    *,
    at: datetime | None = None,
) -> str:
    """A 997 for a group we received: each set accepted unless a finding names it (then AK3/AK4, AK5*R)."""
    body: list[list[str]] = [["AK1", answering.functional_id, answering.control]]
    accepted = 0
    for ts in answering.sets:
        own = [f for f in findings if f.set_control == ts.control]
        body += _loop(ts.code, ts.control, own)
        accepted += 0 if own else 1
    total = len(answering.sets)
    verdict = "A" if accepted == total else ("R" if accepted == 0 else "P")
    body.append(["AK9", verdict, str(total), str(total), str(accepted)])
    return wrap("997", body, envelope, control_numbers, at=at)


def write_rejecting_997(
    error: X12Error, envelope: Envelope, control_numbers: ControlNumbers, *, at: datetime | None = None
) -> str:
    """A 997 rejecting the group (and set) a broken envelope was found in, with the X12 code for the fault.

    An error outside any group (a bad ISA, a missing IEA) cannot be answered by a 997 — that is a TA1's
    job, which we do not write — so it raises ValueError saying so.
    """
    if error.group is None:
        raise ValueError(f"no functional group can be named for this error, so no 997 can answer it: {error}")
    body: list[list[str]] = [["AK1", error.group.functional_id, error.group.control]]
    if error.transaction is not None:
        body += [["AK2", *error.transaction], ["AK5", "R", error.ak5_code or ONE_OR_MORE_SEGMENTS_IN_ERROR]]
    sets = "1" if error.transaction else "0"
    body.append(["AK9", "R", sets, sets, "0", *([error.ak9_code] if error.ak9_code else [])])
    return wrap("997", body, envelope, control_numbers, at=at)
