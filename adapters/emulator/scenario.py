"""The scenario file: stores, locations, SKUs and stock the emulator starts from.

Format (JSON): `{"stores": [{"domain", "name", "currency", "timezone" (IANA, the shop's
`ianaTimezone`), "access_token", "client_secret", "api_version", "throttle": {"maximum_available",
"restore_rate"}, "native_routing": [location names, best first], "order_number_start",
"locations": [{"name", "address": {...}, "is_active", "fulfills_online_orders"}], "products":
[{"sku", "title", "vendor", "product_type", "price" (shop currency, per unit), "stock": {location
name: available}}]}]}`. A location missing from a product's `stock` does not stock it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class ScenarioError(ValueError):
    """A scenario file that can't be used, with a message that says where and why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioAddress(_Strict):
    address1: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    country_code: str
    zip: str | None = None
    latitude: float | None = None
    longitude: float | None = None


class ScenarioLocation(_Strict):
    name: str = Field(min_length=1)
    address: ScenarioAddress
    is_active: bool = True
    fulfills_online_orders: bool = True


class ScenarioProduct(_Strict):
    sku: str = Field(min_length=1)
    title: str
    vendor: str | None = None
    product_type: str = ""  # Shopify's "no product type"
    price: Decimal = Field(default=Decimal("0.00"), ge=0, decimal_places=2)
    stock: dict[str, int] = Field(default_factory=dict)


class ScenarioThrottle(_Strict):
    maximum_available: int = Field(default=2000, gt=0)
    restore_rate: int = Field(default=100, gt=0)


class ScenarioStore(_Strict):
    domain: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
    name: str
    currency: str = "USD"
    timezone: str = "Etc/UTC"
    access_token: str = Field(min_length=1)
    client_secret: str = Field(min_length=1)
    api_version: str = "2026-01"
    throttle: ScenarioThrottle = Field(default_factory=ScenarioThrottle)
    native_routing: list[str]
    order_number_start: int = 1001
    locations: list[ScenarioLocation] = Field(min_length=1)
    products: list[ScenarioProduct] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. America/New_York)") from None
        return value

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        names = [loc.name for loc in self.locations]
        if len(set(names)) != len(names):
            raise ValueError(f"store {self.domain}: location names must be unique")
        unknown = [n for n in self.native_routing if n not in names]
        if unknown:
            raise ValueError(f"store {self.domain}: native_routing names unknown locations {unknown}")
        skus = [p.sku for p in self.products]
        if len(set(skus)) != len(skus):
            raise ValueError(f"store {self.domain}: SKUs must be unique")
        for product in self.products:
            bad = [n for n in product.stock if n not in names]
            if bad:
                raise ValueError(f"store {self.domain}: {product.sku} stocks unknown locations {bad}")
        return self


class Scenario(_Strict):
    stores: list[ScenarioStore] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_domains(self) -> Self:
        domains = [s.domain for s in self.stores]
        if len(set(domains)) != len(domains):
            raise ValueError("store domains must be unique")
        return self

    def store(self, domain: str) -> ScenarioStore:
        return next(s for s in self.stores if s.domain == domain)


def parse_scenario(data: Any, source: str = "scenario") -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
        )
        raise ScenarioError(f"{source}: invalid scenario: {problems}") from None


def load_scenario(path: str | Path) -> Scenario:
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"{file}: scenario file not found") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            f"{file}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    return parse_scenario(data, str(file))
