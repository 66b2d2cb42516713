"""Service specs that need a real database use the store's: a SQLite file, and PostgreSQL if configured."""

from tests.store.conftest import database_url

__all__ = ["database_url"]
