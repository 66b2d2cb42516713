"""A vendor mailbox: an outbox we write and an inbox we read, as with an SFTP drop or a VAN folder.

Outbox: each document is written under a temporary dot-name ending `.tmp` (which directory
pollers, mock-edi's among them, never read), fsynced, renamed to its final name and the
directory fsynced, so a reader sees the whole file or none of it, even across a power cut.
Final names sort in the order of writing: `<UTC time to the microsecond>-<sequence>-<random>-
<vendor>-<name>.x12`.

Inbox: `receive()` hands over the settled files, oldest first, and moves nothing. A file leaves
the inbox only when the caller says what became of it: `acknowledge` moves it to
`inbox/processed/`, `reject` to `inbox/rejected/` with `<name>.why.txt` beside it. A crash
between reading and confirming therefore re-delivers the file on the next `receive()` (the
interchange control number makes that second delivery a recognisable duplicate) and never
loses it. Within one process a file handed over is not handed over again until it is
confirmed, rejected or `release`d, so two sweeps do not both work on it.

One consumer per inbox: two processes reading the same inbox would both be handed each file.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

from adapters.edi.transport import Delivery, NotX12Error, Received, read_isa_header

PROCESSED = "processed"
REJECTED = "rejected"
WHY_SUFFIX = ".why.txt"
# Names a sender uses while a file is still being written, by convention never read.
_IN_PROGRESS = (".tmp", ".part", ".filepart", ".writing", ".processing", ".swp")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_sequence = itertools.count()


class MailboxTransport:
    """Writes documents into `outbox_dir`; hands over those found in `inbox_dir`."""

    def __init__(self, outbox_dir: Path, inbox_dir: Path, *, settle_seconds: float = 0.0) -> None:
        self.outbox_dir = Path(outbox_dir)
        self.inbox_dir = Path(inbox_dir)
        # A file modified more recently than this may still be being written by a sender that
        # does not rename; it waits for the next receive().
        self._settle_seconds = settle_seconds
        self._handed_over: set[str] = set()

    async def send(self, document: str, *, vendor_id: str, name: str) -> Delivery:
        """Write `document` atomically into the outbox; a failed write leaves nothing behind."""
        try:
            path = await asyncio.to_thread(self._write, document, vendor_id, name)
        except OSError as error:
            return Delivery.failed(
                vendor_id=vendor_id,
                name=name,
                retryable=True,
                error=f"could not write {name} for vendor {vendor_id} into the outbox "
                f"{self.outbox_dir}: {error}; check the directory exists and is writable",
            )
        return Delivery.succeeded(vendor_id=vendor_id, name=name, answer=str(path))

    async def receive(self) -> list[Received]:
        """The settled inbox files not yet handed over, oldest first; nothing is moved."""
        found = await asyncio.to_thread(self._read_inbox)
        self._handed_over.update(received.name for received in found)
        return found

    async def acknowledge(self, received: Received) -> None:
        """`received` is recorded: move it to `inbox/processed/`."""
        await asyncio.to_thread(self._file_away, received.name, PROCESSED, None)
        self._handed_over.discard(received.name)

    async def reject(self, received: Received, why: str) -> None:
        """`received` could not be used: move it to `inbox/rejected/`, with `why` beside it."""
        await asyncio.to_thread(self._file_away, received.name, REJECTED, why)
        self._handed_over.discard(received.name)

    def release(self, received: Received) -> None:
        """Hand `received` over again on the next receive() (the caller failed before deciding)."""
        self._handed_over.discard(received.name)

    # -- outbox

    def _write(self, document: str, vendor_id: str, name: str) -> Path:
        self.outbox_dir.mkdir(parents=True, exist_ok=True)
        final = self.outbox_dir / _outbox_name(vendor_id, name)
        temporary = self.outbox_dir / f".{final.name}.tmp"
        try:
            _write_durably(temporary, document.encode("utf-8"))
            os.replace(temporary, final)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise
        _fsync_directory(self.outbox_dir)
        return final

    # -- inbox

    def _read_inbox(self) -> list[Received]:
        if not self.inbox_dir.is_dir():
            return []
        cutoff = time.time() - self._settle_seconds
        candidates: list[tuple[int, str, Path]] = []
        for entry in os.scandir(self.inbox_dir):
            name = entry.name
            if name in self._handed_over or name.startswith(".") or name.lower().endswith(_IN_PROGRESS):
                continue
            try:
                if not entry.is_file():
                    continue
                modified = entry.stat().st_mtime_ns
            except FileNotFoundError:  # taken away between listing and stat
                continue
            if self._settle_seconds and modified / 1e9 > cutoff:
                continue
            candidates.append((modified, name, Path(entry.path)))
        received: list[Received] = []
        for _modified, name, path in sorted(candidates):
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue
            received.append(_received(name, raw))
        return received

    def _file_away(self, name: str, folder: str, why: str | None) -> None:
        source = self.inbox_dir / name
        target_dir = self.inbox_dir / folder
        target_dir.mkdir(exist_ok=True)
        target = _free_name(target_dir / name)
        if why is not None:
            # The reason first: a crash before the move re-delivers the file, and its next
            # rejection writes the reason again; a rejected file without its reason never exists.
            _write_durably(target.with_name(target.name + WHY_SUFFIX), why.encode("utf-8"))
        try:
            os.replace(source, target)
        except FileNotFoundError:
            if not target.exists():
                raise FileNotFoundError(
                    f"{source} is no longer in the inbox and not in {folder}/: another reader "
                    "took it (one consumer per inbox)"
                ) from None
            return
        _fsync_directory(target_dir)
        _fsync_directory(self.inbox_dir)


def _received(name: str, raw: bytes) -> Received:
    try:
        document = raw.decode("utf-8")
    except UnicodeDecodeError:
        # X12's character set is ASCII; a stray 8-bit byte is kept as is rather than refused.
        document = raw.decode("latin-1")
    try:
        return Received(name=name, document=document, header=read_isa_header(document))
    except NotX12Error as error:
        return Received(name=name, document=document, header=None, header_error=f"{name}: {error}")


def _outbox_name(vendor_id: str, name: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    vendor = _UNSAFE.sub("_", vendor_id).strip("._-") or "vendor"
    label = _UNSAFE.sub("_", name).strip("._-") or "document"
    return f"{stamp}-{next(_sequence) % 1_000_000:06d}-{secrets.token_hex(3)}-{vendor}-{label}.x12"


def _free_name(path: Path) -> Path:
    """`path`, or the first `stem-N.suffix` beside it that is free: nothing filed is overwritten."""
    candidate, counter = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{counter}{path.suffix}")
        counter += 1
    return candidate


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` survive a power cut."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
