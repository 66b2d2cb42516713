"""The vendors file: drop-ship vendors, their X12 identities, Shopify locations and transports.

TOML, one `[[vendors]]` table per vendor (see `fixtures/vendors/acme-and-globex.toml`). Secrets
(`inbound_token`, `transport.auth_header`) are `SecretStr`. A mistake stops start-up with a
`ConfigurationError` naming the file, the table index, the vendor and the key.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from adapters.settings import ConfigurationError, read_tables

MIN_INBOUND_TOKEN_LENGTH = 16
SetCode = Literal["850", "855", "856", "997", "846", "860"]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
# ISA/GS identifiers: X12's basic character set, no separators we might write (* ~ : ^ |).
_X12_ID = re.compile(r"^[A-Za-z0-9 &'()+,\-./;?=!\"%@\[\]_{}\\#$]+$")
_SEGMENT_ID = re.compile(r"^[A-Z][A-Z0-9]{1,2}$")
_ELEMENT_REF = re.compile(r"^[A-Z][A-Z0-9]{1,2}\d{2}$")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HttpTransport(_Strict):
    """Documents are POSTed to the vendor's (or its VAN's) endpoint."""

    kind: Literal["http"]
    url: str
    # The Authorization header value sent with each POST, e.g. "Bearer …"; none when unset.
    auth_header: SecretStr | None = None
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL; write e.g. https://edi.acme.example/inbound")
        return value


class MailboxTransport(_Strict):
    """Documents are files: ours are written to `outbox_dir`, the vendor's are read from `inbox_dir`.

    Relative directories are read from the vendors file's own directory.
    """

    kind: Literal["mailbox"]
    outbox_dir: Path
    inbox_dir: Path

    @field_validator("outbox_dir", "inbox_dir")
    @classmethod
    def _beside_the_file(cls, value: Path, info: ValidationInfo) -> Path:
        base = (info.context or {}).get("base")
        return value if value.is_absolute() or base is None else Path(base) / value

    @model_validator(mode="after")
    def _two_folders(self) -> MailboxTransport:
        if self.outbox_dir == self.inbox_dir:
            raise ValueError("outbox_dir and inbox_dir are the same folder; give each its own")
        return self


Transport = Annotated[HttpTransport | MailboxTransport, Field(discriminator="kind")]


class DocumentChecks(_Strict):
    """What an inbound document of one transaction set must contain to be accepted."""

    # Segment ids that must appear at least once, e.g. ["BAK", "PO1"].
    required: tuple[str, ...] = ()
    # Element reference (segment id + position) → the codes allowed there, e.g. {"BAK02" = ["AC", "RJ"]}.
    codes: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("required")
    @classmethod
    def _segment_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        wrong = [segment for segment in value if not _SEGMENT_ID.match(segment)]
        if wrong:
            raise ValueError(f"{wrong} are not segment ids; write upper-case ids such as BAK or PO1")
        return value

    @field_validator("codes")
    @classmethod
    def _element_refs(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        wrong = sorted(ref for ref in value if not _ELEMENT_REF.match(ref))
        if wrong:
            raise ValueError(f"{wrong} are not element references; write segment id + position, e.g. BAK02")
        empty = sorted(ref for ref, codes in value.items() if not codes)
        if empty:
            raise ValueError(f"{empty} allow no code at all; list the codes allowed or remove the key")
        return value


class InventorySync(_Strict):
    """How the vendor's stock reaches its Shopify location in each store."""

    # A SKU's quantity is written when it moves across one of these (see `crosses`).
    boundaries: tuple[int, ...] = (0, 5, 20)
    # Every so often every SKU is written, whatever it did, to correct drift.
    reconcile_minutes: int = Field(default=60, gt=0)

    @field_validator("boundaries")
    @classmethod
    def _ascending(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value:
            raise ValueError("at least one boundary; e.g. [0, 5, 20]")
        if any(b < 0 for b in value) or list(value) != sorted(set(value)):
            raise ValueError(f"{list(value)}: boundaries are distinct, non-negative and ascending")
        return value

    def crosses(self, before: int, after: int) -> bool:
        """Whether a change from `before` to `after` crosses a boundary: a boundary `b` separates
        "at most b" from "more than b", so with 0 a SKU running out (1 → 0) or coming back counts."""
        return bisect_left(self.boundaries, before) != bisect_left(self.boundaries, after)


class VendorConfig(_Strict):
    """One drop-ship vendor (a `[[vendors]]` table of the vendors file)."""

    id: str
    name: str = Field(min_length=1)
    # The vendor's X12 identity (ISA05/ISA06, GS02) ...
    isa_qualifier: str
    isa_id: str
    gs_code: str
    # ... and ours towards this vendor (ISA07/ISA08, GS03).
    our_isa_qualifier: str
    our_isa_id: str
    our_gs_code: str
    version: str = "004010"
    usage: Literal["T", "P"] = "P"
    # Store domain → the Shopify location (name or GID) that stands for the vendor there.
    locations: dict[str, str]
    # Store SKU → the vendor's item number, where they differ.
    sku_map: dict[str, str] = Field(default_factory=dict)
    # Store SKU → the unit cost agreed with the vendor (PO104); a line without one goes out unpriced.
    costs: dict[str, Decimal] = Field(default_factory=dict)
    acceptance_window: int = Field(default=240, gt=0, description="minutes")
    sends_cancellation: bool = False
    # Whether Shopify emails the customer when the vendor's 856 becomes a fulfillment.
    notify_customer: bool = False
    transport: Transport
    inbound_token: SecretStr
    checks: dict[SetCode, DocumentChecks] = Field(default_factory=dict)
    inventory: InventorySync = InventorySync()

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"{value!r} is not a slug; write lower-case letters, digits and '-', e.g. acme")
        return value

    @field_validator("isa_qualifier", "our_isa_qualifier")
    @classmethod
    def _qualifier(cls, value: str) -> str:
        if not re.match(r"^[A-Z0-9]{2}$", value):
            raise ValueError(f"{value!r} is not an ISA qualifier; write two characters, e.g. ZZ or 01")
        return value

    @field_validator("isa_id", "our_isa_id")
    @classmethod
    def _isa_id(cls, value: str) -> str:
        if not 1 <= len(value) <= 15 or not _X12_ID.match(value) or value != value.strip():
            raise ValueError(f"{value!r}: an ISA id has 1 to 15 X12 characters (no padding; we pad it)")
        return value

    @field_validator("gs_code", "our_gs_code")
    @classmethod
    def _gs_code(cls, value: str) -> str:
        if not 2 <= len(value) <= 15 or not _X12_ID.match(value) or value != value.strip():
            raise ValueError(f"{value!r}: a GS application code has 2 to 15 X12 characters")
        return value

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not re.match(r"^\d{6}$", value):
            raise ValueError(f"{value!r} is not an X12 version; write six digits, e.g. 004010")
        return value

    @field_validator("locations")
    @classmethod
    def _locations(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError(
                'no location; add one per store, e.g. "my-shop.myshopify.com" = "Acme Drop-ship"'
            )
        for domain, location in value.items():
            if not _SHOP_DOMAIN.match(domain):
                raise ValueError(f"{domain!r} is not a shop domain; write e.g. my-shop.myshopify.com")
            if not location.strip():
                raise ValueError(
                    f"{domain}: the location is empty; write its name or gid://shopify/Location/…"
                )
        return value

    @field_validator("inbound_token")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_INBOUND_TOKEN_LENGTH:
            raise ValueError(
                f"at least {MIN_INBOUND_TOKEN_LENGTH} characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return value

    @model_validator(mode="after")
    def _not_ourselves(self) -> VendorConfig:
        if (self.isa_qualifier, self.isa_id) == (self.our_isa_qualifier, self.our_isa_id):
            raise ValueError(
                f"the vendor's ISA identity {self.isa_qualifier}/{self.isa_id} is our own; "
                "isa_* is the vendor's, our_isa_* is ours"
            )
        return self

    @property
    def window(self) -> timedelta:
        """The acceptance window: how long the vendor has to answer a purchase order with an 855."""
        return timedelta(minutes=self.acceptance_window)

    def vendor_item(self, sku: str) -> str:
        """The vendor's item number for a store SKU (the SKU itself unless mapped)."""
        return self.sku_map.get(sku, sku)

    def location_for(self, store: str) -> str | None:
        """The location (name or GID) that stands for the vendor in `store`, if it has one there."""
        return self.locations.get(store)


def load_vendors(path: Path) -> tuple[VendorConfig, ...]:
    """Read the vendors file (TOML, one `[[vendors]]` table per vendor)."""
    hint = "add one per vendor (id, name, isa_id, …)"
    tables = read_tables(path, key="vendors", variable="ROUTING_VENDORS_FILE", hint=hint)
    vendors = []
    for index, table in enumerate(tables):
        try:
            vendors.append(VendorConfig.model_validate(table, context={"base": path.parent}))
        except ValidationError as exc:
            raise ConfigurationError(_describe(exc, f"{path}: vendors[{index}]{_named(table)}")) from None
    _check_unique(path, vendors)
    return tuple(vendors)


def _check_unique(path: Path, vendors: list[VendorConfig]) -> None:
    seen: dict[Any, int] = {}
    for index, vendor in enumerate(vendors):
        for key, what, fix in (
            (("id", vendor.id), f"id {vendor.id!r}", "give each vendor its own id"),
            (
                ("isa", vendor.isa_qualifier, vendor.isa_id),
                f"ISA identity {vendor.isa_qualifier}/{vendor.isa_id}",
                "inbound documents could not be told apart; check isa_qualifier and isa_id",
            ),
            (
                ("token", vendor.inbound_token.get_secret_value()),
                "inbound_token",
                "documents sent to us could not be told apart; generate one token per vendor",
            ),
        ):
            if key in seen:
                raise ConfigurationError(
                    f"{path}: vendors[{index}] ({vendor.id}): {what} is already used by "
                    f"vendors[{seen[key]}] ({vendors[seen[key]].id}); {fix}"
                )
            seen[key] = index


def _named(table: Any) -> str:
    name = table.get("id") if isinstance(table, dict) else None
    return f" ({name})" if isinstance(name, str) else ""


def _describe(exc: ValidationError, prefix: str) -> str:
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{prefix}.{key}: {message}" if key else f"{prefix}: {message}")
    return "; ".join(problems)
