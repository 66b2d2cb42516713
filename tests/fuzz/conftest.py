"""Fuzz tests run on the store's databases: a SQLite file and, where configured, PostgreSQL."""

from tests.store.conftest import database_url, sessions

__all__ = ["database_url", "sessions"]
