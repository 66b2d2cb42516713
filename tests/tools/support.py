"""Shared helpers for the rule authors' tools specs: rule folders, stores files, the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from adapters.rule_check import RuleChecker

PROJECT = Path(__file__).resolve().parents[2]
RULES = PROJECT / "rules"
SNAPSHOTS = PROJECT / "fixtures" / "snapshots"
US = "north-wind-us.myshopify.com"
CA = "north-wind-ca.myshopify.com"

# The child that meets durable_rules' hazards for real when a rule file asks it to.
HAZARD_CHILD = (sys.executable, "-m", "tests.tools.hazard_child")  # run from the project root

ONE_STRATEGY = """\
strategies:
  - id: us-first
    when:
      store: north-wind-us.myshopify.com
    locations: [Newark DC, Chicago DC]
fallback:
  keep: true
"""


def hazard_checker(timeout_seconds: float = 10.0) -> RuleChecker:
    return RuleChecker(timeout_seconds=timeout_seconds, command=HAZARD_CHILD)


def rules_dir(tmp_path: Path, text: str = ONE_STRATEGY, name: str = "routing.yaml") -> Path:
    directory = tmp_path / "rules"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text)
    return directory


def stores_file(tmp_path: Path, *domains: str, admin_api_urls: dict[str, str] | None = None) -> Path:
    tables = []
    for domain in domains or (US, CA):
        table = f'[[stores]]\ndomain = "{domain}"\naccess_token = "shpat_test"\nclient_secrets = ["s"]\n'
        if admin_api_urls and domain in admin_api_urls:
            table += f'admin_api_url = "{admin_api_urls[domain]}"\n'
        tables.append(table)
    path = tmp_path / "stores.toml"
    path.write_text("\n".join(tables))
    return path


def many_strategies(count: int) -> str:
    strategies = "".join(f"  - id: s{n}\n    locations: [Newark DC]\n" for n in range(count))
    return f"strategies:\n{strategies}fallback:\n  keep: true\n"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def _environment(env: dict[str, str]) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ROUTING_")}
    return {**clean, **env}


def cli(*args: str | Path, **env: str) -> Run:
    """`routing-engine ARGS` in a child process, with only the ROUTING_* settings given."""
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", *map(str, args)],
        env=_environment(env),
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr)


async def cli_async(*args: str | Path, **env: str) -> Run:
    """The same, without blocking the event loop (an emulator may be serving in it)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        *map(str, args),
        env=_environment(env),
        cwd=PROJECT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(child.communicate(), 120)
    assert child.returncode is not None
    return Run(child.returncode, out.decode(), err.decode())
