"""The sweeper's tests use the store's databases: a SQLite file, and PostgreSQL where configured."""

from tests.store.conftest import database_url, sessions

__all__ = ["database_url", "sessions"]
