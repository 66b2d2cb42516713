"""Vendor stock into Shopify: each vendor's reported quantities kept at its location in every store.

Shopify's advice for a location whose stock lives elsewhere: write a baseline with
`inventorySetQuantities`, then write only what matters, and correct drift now and then.

- `apply_advice` (an 846 or a CSV feed arrived): the vendor's figures are remembered first (SQL),
  then, per store, a SKU is written when nothing was ever written for it there (the baseline) or
  when its figure crossed one of the vendor's boundaries since the figure last *written*
  (`InventorySync.crosses`). SKUs an advice does not name keep their figures.
- `reconcile` writes every SKU's latest reported figure, whatever Shopify shows now: whatever
  moved it behind our back is overwritten. `run` does that for each vendor every
  `reconcile_minutes`, the last time kept in SQL so a restart does not reset the interval.

Idempotency keys are derived from (vendor, store, advice reference or reconciliation time, chunk)
and the quantities sent: a retry after a crash sends the same quantities under the same key and
Shopify replays its answer instead of applying twice; any other write gets another key. Writes
never compare-and-set: the vendor is the source of truth for its location.

A SKU the store does not have (or has on several variants) is reported and stays unwritten, so
it is tried again on the next advice or reconciliation. A row Shopify refuses is set apart and
the rest of its chunk written; a store Shopify cannot be reached for leaves its figures unwritten.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from urllib.parse import quote

from adapters.edi.inventory_advice import InventoryAdvice
from adapters.pause import pause
from adapters.ports import VendorStoreGateway
from adapters.shopify.errors import ShopifyError, ShopifyThrottled, ShopifyTransportError, ShopifyUserError
from adapters.shopify.inventory_writes import MAX_QUANTITIES_PER_CALL
from adapters.store.clock import Clock, utc_now
from adapters.store.vendor_stock import VendorStockBook
from adapters.vendors.config import VendorConfig
from engine.model import Location

log = logging.getLogger(__name__)

LOCATION_GID = "gid://shopify/Location/"
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")

Sleep = Callable[[float], Awaitable[None]]


class LocationSource(Protocol):
    """A store's locations (`ShopifyGateway.locations`, a `LocationCache`)."""

    async def get(self) -> tuple[Location, ...]: ...


class UnknownVendor(ValueError):
    """Stock was reported for a vendor the vendors file does not name."""


@dataclass(frozen=True)
class StoreStock:
    """What one store's vendor location got from one advice or reconciliation.

    `written`: SKU → the figure Shopify took; `skipped`: reported SKUs that crossed no boundary;
    `missing` / `ambiguous`: SKUs no variant (or several) of the store has; `errors`: what could
    not be written, and why. `unreachable`: Shopify could not be reached (worth retrying soon).
    """

    store: str
    location_id: str | None = None
    written: dict[str, int] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    errors: tuple[str, ...] = ()
    unreachable: bool = False


@dataclass(frozen=True)
class StockReport:
    """One advice or reconciliation of one vendor, store by store."""

    vendor_id: str
    occasion: str  # the advice's reference, or "reconciliation <time>"
    stores: tuple[StoreStock, ...]

    def store(self, domain: str) -> StoreStock:
        """The part of the report about one store; KeyError if the vendor has no location there."""
        for part in self.stores:
            if part.store == domain:
                return part
        raise KeyError(f"{self.vendor_id} has no location in {domain}; it stocks {self.domains}")

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(part.store for part in self.stores)

    @property
    def errors(self) -> tuple[str, ...]:
        """Every store's errors, each prefixed with its store."""
        return tuple(f"{part.store}: {error}" for part in self.stores for error in part.errors)


def store_quantities(vendor: VendorConfig, advice: InventoryAdvice) -> dict[str, int]:
    """The advice by store SKU: an item that is a vendor item number (`sku_map`) goes to every SKU
    mapped to it; anything else is a store SKU already (an 846 SK, or an unmapped item)."""
    mapped: defaultdict[str, list[str]] = defaultdict(list)
    for sku, item in vendor.sku_map.items():
        mapped[item].append(sku)
    quantities: dict[str, int] = {}
    for item, quantity in advice.items.items():
        if item in vendor.sku_map or item not in mapped:
            quantities[item] = quantity  # named by our SKU: wins over a figure for its vendor item
            continue
        for sku in mapped[item]:
            if sku not in advice.items:
                quantities[sku] = quantity
    return quantities


def idempotency_key(
    vendor_id: str, store: str, occasion: str, chunk: int, quantities: Mapping[str, int]
) -> str:
    """The same key for the same write (a retry), another for any other (see the module's doc)."""
    material = json.dumps([vendor_id, store, occasion, chunk, sorted(quantities.items())])
    return f"vendor-stock/{vendor_id}/{chunk}/{hashlib.sha256(material.encode()).hexdigest()[:32]}"


def reference_uri(vendor_id: str, reference: str) -> str:
    """The adjustment's `referenceDocumentUri`: the reference itself if it is a URI already."""
    if _URI.match(reference):
        return reference
    return f"gid://routing-engine/VendorStock/{quote(vendor_id, safe='')}-{quote(reference, safe='')}"


class VendorStock:
    """Keeps each vendor's Shopify location in every store in step with what the vendor reports."""

    def __init__(
        self,
        book: VendorStockBook,
        stores: Mapping[str, VendorStoreGateway],
        vendors: Sequence[VendorConfig],
        *,
        locations: Mapping[str, LocationSource] | None = None,
        clock: Clock = utc_now,
        every_seconds: float = 60.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """`locations`: per store, where a location *name* from the vendors file is looked up
        (a GID needs none); `every_seconds`: how often `run` looks for reconciliations due."""
        self._book = book
        self._stores = stores
        self._vendors = {vendor.id: vendor for vendor in vendors}
        self._locations = locations or {}
        self._now = clock
        self._every = every_seconds
        self._sleep = sleep
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._stopping = asyncio.Event()

    # --- advice and reconciliation -----------------------------------------------------------

    async def apply_advice(self, vendor_id: str, advice: InventoryAdvice, *, reference: str) -> StockReport:
        """Remember the vendor's figures and write, per store, the baseline or the SKUs that
        crossed a boundary. `reference` names the advice (the 846's control number, the CSV
        file), so that applying the same advice again reuses its idempotency keys."""
        vendor = self._vendor(vendor_id)
        quantities = store_quantities(vendor, advice)
        uri = reference_uri(vendor.id, reference)
        parts = []
        async with self._locks[vendor.id]:
            for store in sorted(vendor.locations):
                await self._book.record_reported(vendor.id, store, quantities)
                figures = await self._book.figures(vendor.id, store)
                due: dict[str, int] = {}
                for sku, quantity in quantities.items():
                    written = figures[sku].written
                    if written is None or vendor.inventory.crosses(written, max(quantity, 0)):
                        due[sku] = quantity
                skipped = tuple(sorted(set(quantities) - set(due)))
                parts.append(await self._write(vendor, store, due, reference, uri, skipped))
        return StockReport(vendor.id, reference, tuple(parts))

    async def reconcile(self, vendor_id: str, *, at: datetime | None = None) -> StockReport:
        """Write every SKU's latest reported figure in every store, and record the reconciliation
        (unless a store could not be reached: then it is due again at the next round). `at` names
        this reconciliation in its idempotency keys (now unless given)."""
        vendor = self._vendor(vendor_id)
        at = (at or self._now()).astimezone(UTC)
        occasion = f"reconciliation {at.isoformat()}"
        uri = f"gid://routing-engine/VendorStockReconciliation/{vendor.id}-{at:%Y%m%dT%H%M%SZ}"
        parts = []
        async with self._locks[vendor.id]:
            for store in sorted(vendor.locations):
                figures = await self._book.figures(vendor.id, store)
                due = {sku: figure.reported for sku, figure in figures.items()}
                parts.append(await self._write(vendor, store, due, occasion, uri, ()))
            if not any(part.unreachable for part in parts):
                await self._book.mark_reconciled(vendor.id, self._now())
        return StockReport(vendor.id, occasion, tuple(parts))

    async def reconcile_due(self, now: datetime | None = None) -> list[StockReport]:
        """Reconcile every vendor whose `reconcile_minutes` passed since its last reconciliation.

        A vendor never reconciled starts its clock now (its first advice is its baseline). The
        reconciliation is named by the time it fell due, so a retry after a crash reuses its keys.
        """
        now = now or self._now()
        last = await self._book.last_reconciled()
        reports = []
        for vendor in self._vendors.values():
            if vendor.id not in last:
                await self._book.mark_reconciled(vendor.id, now)
                continue
            due_at = last[vendor.id] + timedelta(minutes=vendor.inventory.reconcile_minutes)
            if due_at > now:
                continue
            try:
                reports.append(await self.reconcile(vendor.id, at=due_at))
            except Exception:  # one vendor's trouble must not stop the others' reconciliation
                log.exception(
                    "reconciling the stock of vendor %s failed; it is due again next round", vendor.id
                )
        for report in reports:
            for error in report.errors:
                log.warning("vendor %s stock reconciliation: %s", report.vendor_id, error)
        return reports

    async def run(self) -> None:
        """Look for reconciliations due every `every_seconds` until `stop()`; the first at once."""
        while not self._stopping.is_set():
            try:
                await self.reconcile_due()
            except Exception:
                log.exception("vendor stock reconciliation round failed; trying again in %s s", self._every)
            await self._pause()

    def stop(self) -> None:
        """End `run()` after the current round (a pause in between ends at once)."""
        self._stopping.set()

    # --- writing ---------------------------------------------------------------------------------

    async def _write(
        self,
        vendor: VendorConfig,
        store: str,
        due: Mapping[str, int],
        occasion: str,
        uri: str,
        skipped: tuple[str, ...],
    ) -> StoreStock:
        if not due:
            return StoreStock(store, skipped=skipped)
        gateway = self._stores.get(store)
        if gateway is None:
            problem = (
                f"the vendors file gives {vendor.id} a location in {store}, but no store of that domain "
                "is configured; add the store's token or remove the location from the vendors file"
            )
            return StoreStock(store, skipped=skipped, errors=(problem,))
        try:
            location_id = await self._location_id(vendor, store)
            matches = await gateway.inventory_items_by_sku(due)
        except LookupError as exc:
            return StoreStock(store, skipped=skipped, errors=(str(exc),))
        except ShopifyError as exc:
            problem = f"nothing written: {exc}"
            return StoreStock(store, skipped=skipped, errors=(problem,), unreachable=_unreachable(exc))
        skus = {item: sku for sku, item in matches.items.items()}
        # Shopify keeps no negative `available` from us; a vendor's negative figure means none to sell.
        items = {item: max(due[sku], 0) for item, sku in skus.items()}
        written, errors, unreachable = await self._set(
            gateway, vendor.id, store, location_id, items, occasion, uri
        )
        by_sku = {skus[item]: quantity for item, quantity in written.items()}
        await self._book.record_written(vendor.id, store, by_sku)
        return StoreStock(
            store,
            location_id=location_id,
            written=by_sku,
            skipped=skipped,
            missing=matches.missing,
            ambiguous=matches.ambiguous,
            errors=tuple(_named(errors, skus)),
            unreachable=unreachable,
        )

    async def _set(
        self,
        gateway: VendorStoreGateway,
        vendor_id: str,
        store: str,
        location_id: str,
        items: Mapping[str, int],
        occasion: str,
        uri: str,
    ) -> tuple[dict[str, int], list[tuple[str | None, str]], bool]:
        """Write `items` (inventory item id → figure) in chunks of Shopify's size; a chunk with
        refused rows is written again without them (a new write, so a new key)."""
        ordered = sorted(items.items())
        written: dict[str, int] = {}
        errors: list[tuple[str | None, str]] = []  # (inventory item id or None, what went wrong)
        for number, start in enumerate(range(0, len(ordered), MAX_QUANTITIES_PER_CALL), start=1):
            chunk = dict(ordered[start : start + MAX_QUANTITIES_PER_CALL])
            while chunk:
                key = idempotency_key(vendor_id, store, occasion, number, chunk)
                try:
                    await gateway.set_available(location_id, chunk, key, uri)
                except ShopifyUserError as exc:
                    refused = _refused_rows(exc, sorted(chunk))
                    if not refused:
                        errors.extend((item, f"not written: {exc}") for item in chunk)
                        break
                    errors.extend((item, f"refused by Shopify: {why}") for item, why in refused.items())
                    chunk = {item: quantity for item, quantity in chunk.items() if item not in refused}
                    continue
                except ShopifyError as exc:
                    errors.append((None, f"{len(ordered) - start} item(s) not written: {exc}"))
                    return written, errors, _unreachable(exc)
                written.update(chunk)
                break
        return written, errors, False

    async def _location_id(self, vendor: VendorConfig, store: str) -> str:
        named = vendor.location_for(store) or ""
        if named.startswith(LOCATION_GID):
            return named
        source = self._locations.get(store)
        if source is None:
            raise LookupError(
                f"the location of {vendor.id} in {store} is named {named!r}, and there is no location "
                "list for that store to look it up in; write its gid://shopify/Location/… in the vendors file"
            )
        locations = await source.get()
        for location in locations:
            if location.name.casefold() == named.casefold():
                return location.id
        names = ", ".join(sorted(location.name for location in locations)) or "none"
        raise LookupError(
            f"{store} has no location named {named!r} (vendor {vendor.id}); its locations are {names}. "
            "Fix the name in the vendors file or create the location in Shopify"
        )

    def _vendor(self, vendor_id: str) -> VendorConfig:
        vendor = self._vendors.get(vendor_id)
        if vendor is None:
            known = ", ".join(sorted(self._vendors)) or "none"
            raise UnknownVendor(
                f"stock reported for vendor {vendor_id!r}, which is not in the vendors file ({known})"
            )
        return vendor

    async def _pause(self) -> None:
        await pause(self._sleep, self._every, self._stopping)


def _refused_rows(exc: ShopifyUserError, items: Sequence[str]) -> dict[str, str]:
    """Inventory item id → why, for userErrors that point at a row (`input.quantities.<n>`); empty
    when any error is about the whole input (then no row can be set apart)."""
    refused: dict[str, str] = {}
    for error in exc.user_errors:
        where = error.field or ()
        if len(where) < 3 or where[:2] != ("input", "quantities") or not where[2].isdigit():
            return {}
        index = int(where[2])
        if index >= len(items):
            return {}
        refused[items[index]] = f"{error.code or 'ERROR'}: {error.message}"
    return refused


def _named(errors: Sequence[tuple[str | None, str]], skus: Mapping[str, str]) -> list[str]:
    return [f"{skus.get(item, item)}: {what}" if item else what for item, what in errors]


def _unreachable(exc: ShopifyError) -> bool:
    return isinstance(exc, ShopifyTransportError | ShopifyThrottled)
