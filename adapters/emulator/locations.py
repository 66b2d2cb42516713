"""Locations of a store and their addresses."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Address:
    address1: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    country_code: str | None = None
    zip: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


@dataclass
class Location:
    id: str
    name: str
    address: Address = field(default_factory=Address)
    is_active: bool = True
    fulfills_online_orders: bool = True
