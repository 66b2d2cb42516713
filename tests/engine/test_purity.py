"""The core stays pure: no I/O libraries, no adapters, no files, no clock, no logging."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ENGINE = Path(__file__).resolve().parents[2] / "engine"
MODULES = sorted(ENGINE.rglob("*.py"))
FORBIDDEN_IMPORTS = {
    "httpx",
    "sqlalchemy",
    "starlette",
    "uvicorn",
    "aiosqlite",
    "asyncpg",
    "adapters",
    "logging",
    "random",
    "socket",
    "subprocess",
    "requests",
    "urllib",
}
FORBIDDEN_CALLS = {
    "open",
    "print",
    "input",
    "datetime.now",
    "datetime.utcnow",
    "datetime.today",
    "date.today",
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "time.time",
    "time.monotonic",
    "time.perf_counter",
}


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            if name.split(".")[0] in FORBIDDEN_IMPORTS:
                found.append(f"{path.name}:{getattr(node, 'lineno', 0)}: imports {name}")
        if isinstance(node, ast.Call):
            called = _dotted(node.func)
            if called in FORBIDDEN_CALLS or called.startswith("logging."):
                found.append(f"{path.name}:{node.lineno}: calls {called}()")
    return found


def test_the_engine_has_modules_to_check() -> None:
    assert len(MODULES) >= 10


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_engine_module_is_pure(path: Path) -> None:
    assert _violations(path) == []


@pytest.mark.parametrize(
    ("source", "complaint"),
    [
        ("import httpx", "imports httpx"),
        ("from adapters.shopify import client", "imports adapters.shopify"),
        ("import logging", "imports logging"),
        ("from sqlalchemy.orm import Session", "imports sqlalchemy.orm"),
        ("open('rules.yaml')", "calls open()"),
        ("import datetime\ndatetime.datetime.now()", "calls datetime.datetime.now()"),
        ("from datetime import datetime\ndatetime.now()", "calls datetime.now()"),
        ("import time\ntime.time()", "calls time.time()"),
        ("logging.getLogger('x').info('y')", "calls logging.getLogger()"),
    ],
)
def test_purity_check_catches(tmp_path: Path, source: str, complaint: str) -> None:
    module = tmp_path / "impure.py"
    module.write_text(source + "\n")
    assert any(complaint in violation for violation in _violations(module))
