"""Vendor specs: the store's databases (SQLite, and PostgreSQL where configured) and the stock world."""

from tests.store.conftest import database_url, sessions
from tests.vendors.stock_world import clock, emulator, gateway

# The stock specs' emulator, recording gateway and clock (a module's own fixtures of these names win).
__all__ = ["clock", "database_url", "emulator", "gateway", "sessions"]
