"""`routing-engine chaos`: check the arguments, make a fresh database when asked, run, print the table."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from adapters.chaos.report import ChaosPlan, ChaosReport
from adapters.chaos.run import run_chaos
from adapters.chaos.stack import fresh_postgres_database


def run_chaos_command(args: Any) -> int:
    """`routing-engine chaos` (arguments from `adapters.cli`): print the table; 0 when targets hold."""
    from adapters.settings import ConfigurationError

    for name in ("orders", "replicas", "webhook_senders"):
        if getattr(args, name) < 1:
            raise ConfigurationError(f"--{name.replace('_', '-')}: must be at least 1")
    if args.kills < 0 or not 0 <= args.faults <= 100:
        raise ConfigurationError("--kills: 0 or more; --faults: a percentage from 0 to 100")
    if args.replicas > 1 and not (args.database_url or "").startswith("postgresql"):
        raise ConfigurationError(
            "--replicas above 1 share one PostgreSQL: give --database-url postgresql+asyncpg://…"
        )
    if args.database_url and not args.database_url.startswith("postgresql"):
        raise ConfigurationError("--database-url: a postgresql+asyncpg:// server URL (SQLite is the default)")

    def say(line: str) -> None:
        print(f"chaos: {line}", file=sys.stderr, flush=True)

    async def run(workdir: Path) -> ChaosReport:
        url = None
        if args.database_url:
            url = await fresh_postgres_database(args.database_url)
            say(f"fresh database {make_url(url).database} (kept for inspection)")
        plan = ChaosPlan(
            orders=args.orders,
            faults_percent=args.faults,
            kills=args.kills,
            replicas=args.replicas,
            database_url=url,
            seed=args.seed,
            webhook_senders=args.webhook_senders,
        )
        say(f"work directory {workdir} (service logs: replica-N.log)")
        return await run_chaos(plan, workdir, say=say)

    if args.workdir is not None:
        report = asyncio.run(run(args.workdir))
    else:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="routing-chaos-") as folder:
            report = asyncio.run(run(Path(folder)))
    print(report.table())
    for line in report.details[:20]:
        print(f"  {line}")
    return 0 if report.targets_met() else 1
