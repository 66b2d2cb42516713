"""Fuzz tests run on the store's databases: a SQLite file and, where configured, PostgreSQL.

Hypothesis keeps its caches (constants found in the source) outside the checkout.
"""

import tempfile
from pathlib import Path

from hypothesis.configuration import set_hypothesis_home_dir

from tests.store.conftest import database_url, sessions

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "routing-engine-hypothesis")

__all__ = ["database_url", "sessions"]
