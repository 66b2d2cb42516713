"""How X12 documents travel to and from a vendor: the `Transport` protocol and what it answers.

A transport moves opaque text. It never parses a document beyond the fixed-width ISA header,
which names the sender (ISA06) and the interchange control number (ISA13) that duplicate
detection keys on; the codec in `adapters.edi` reads the rest.

Two shapes, one protocol:

- push transports (`HttpTransport`) send by POST; the vendor's documents come to us through the
  inbound route (`adapters.edi.inbound`), so `receive()` returns nothing;
- pull transports (`MailboxTransport`) write into an outbox and read an inbox; what `receive()`
  hands over stays in the inbox until the caller says `acknowledge` or `reject`.

Nothing here loses a document: a failed send leaves the document with the caller (the purchase
order row keeps it) and says whether trying again may help; a received document leaves the inbox
only once the caller has recorded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# ISA is fixed width: "ISA", 16 separators and 86 characters of elements, then the terminator.
_ISA_LENGTH = 106
_ISA_ELEMENTS = 17


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one send: delivered (with the partner's answer) or failed (with why)."""

    vendor_id: str
    name: str
    delivered: bool
    # The partner's answer when there was one (a response body, or where the file was written).
    answer: str = ""
    error: str = ""
    # Whether sending the same document again later may succeed (timeouts, 5xx, a full disk).
    retryable: bool = False
    status_code: int | None = None

    @classmethod
    def succeeded(cls, *, vendor_id: str, name: str, answer: str, status_code: int | None = None) -> Delivery:
        """A delivery the partner took."""
        return cls(vendor_id, name, True, answer=answer, status_code=status_code)

    @classmethod
    def failed(
        cls,
        *,
        vendor_id: str,
        name: str,
        error: str,
        retryable: bool,
        answer: str = "",
        status_code: int | None = None,
    ) -> Delivery:
        """A delivery that did not happen; `error` says what went wrong and what to do."""
        return cls(vendor_id, name, False, answer, error, retryable, status_code)


@dataclass(frozen=True, slots=True)
class IsaHeader:
    """The few ISA fields a transport reads: who sent the interchange and its control number."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    control_number: str


class NotX12Error(ValueError):
    """A document that does not begin with a readable X12 ISA header."""


@dataclass(frozen=True, slots=True)
class Received:
    """One document a pull transport hands over, until the caller acknowledges or rejects it."""

    # Unique within the transport (the file name in a mailbox).
    name: str
    document: str
    # None when the document has no readable ISA header; `header_error` then says why.
    header: IsaHeader | None
    header_error: str = ""


class Transport(Protocol):
    """Sends documents to one vendor and, for pull transports, collects the vendor's documents."""

    async def send(self, document: str, *, vendor_id: str, name: str) -> Delivery:
        """Deliver `document`; never raises for a delivery problem, the `Delivery` says it."""
        ...

    async def receive(self) -> list[Received]:
        """Documents waiting for us, oldest first; empty for push transports."""
        ...

    async def acknowledge(self, received: Received) -> None:
        """The caller has recorded `received`: it is not handed over again."""
        ...

    async def reject(self, received: Received, why: str) -> None:
        """The caller could not use `received`: keep it aside with `why`, not handed over again."""
        ...


def read_isa_header(document: str) -> IsaHeader:
    """The ISA header of `document`, or `NotX12Error` saying what is wrong with it.

    Only the fixed-width header is read: the element separator is the fourth character, and
    ISA is exactly 106 characters long, so no segment terminator needs to be known.
    """
    text = document.lstrip("\ufeff \t\r\n")
    if not text.startswith("ISA"):
        start = text[:20].encode("unicode_escape").decode("ascii")
        raise NotX12Error(f"not an X12 interchange: it must begin with 'ISA', it begins with {start!r}")
    if len(text) < _ISA_LENGTH:
        raise NotX12Error(
            f"not an X12 interchange: the ISA header is {_ISA_LENGTH} characters, "
            f"the document has only {len(text)}"
        )
    separator = text[3]
    elements = text[: _ISA_LENGTH - 1].split(separator)
    if separator.isalnum() or len(elements) != _ISA_ELEMENTS:
        raise NotX12Error(
            f"the ISA header is not fixed width: with element separator {separator!r} it has "
            f"{len(elements) - 1} elements where X12 has 16 (ISA06 and ISA08 are 15 characters, "
            "padded with spaces)"
        )
    control = elements[13]
    if not (len(control) == 9 and control.isdigit()):
        raise NotX12Error(f"ISA13 (the interchange control number) must be 9 digits, not {control!r}")
    return IsaHeader(
        sender_qualifier=elements[5].strip(),
        sender_id=elements[6].strip(),
        receiver_qualifier=elements[7].strip(),
        receiver_id=elements[8].strip(),
        control_number=control,
    )
