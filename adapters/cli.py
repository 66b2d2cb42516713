"""The `routing-engine` command.

Exit codes: 0 success; 1 the work ran but did not succeed (an order left undecided, errors in
the rule files, a failed rule test); 2 bad configuration or usage (the message names the
setting or the argument).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from adapters.logs import configure_logging, secret_values
from adapters.privacy.commands import add_privacy_commands
from adapters.settings import ConfigurationError, load_settings
from adapters.vendors_cli import add_vendor_commands
from engine import RuleSetError

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    args.log_level = args.log_level or args.default_log_level
    # JSON lines, or text on a terminal (adapters.logs); serve and demo apply ROUTING_LOG_FORMAT.
    configure_logging(args.log_level)
    try:
        code: int = args.run(args)
    except ConfigurationError as exc:
        print(f"routing-engine: configuration error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except RuleSetError as exc:
        print(f"routing-engine: the rule files have errors:\n{exc}", file=sys.stderr)
        return EXIT_CONFIG
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="routing-engine", description=__doc__)
    parser.add_argument(
        "--log-level",
        default=None,
        choices=["debug", "info", "warning", "error"],
        help="default: info for serve, warning for the demo (its table is the output)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the service (uvicorn) from the ROUTING_* settings")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(run=_serve, default_log_level="info")

    demo = commands.add_parser("demo", help="emulator + service on loopback: place orders, show decisions")
    demo.add_argument("--orders", type=int, default=20, help="how many orders to place (default 20)")
    demo.add_argument("--seed", type=int, default=7, help="random seed for the orders (default 7)")
    demo.add_argument(
        "--scenario",
        default=None,
        help="emulator scenario file (default fixtures/scenarios/two-stores-us-ca.json)",
    )
    demo.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for every decision")
    demo.set_defaults(run=_demo, default_log_level="warning")

    rules = commands.add_parser("rules", help="tools for rule authors: check and test the rule files")
    rule_commands = rules.add_subparsers(required=True, metavar="RULES_COMMAND")
    check = rule_commands.add_parser(
        "check",
        help="report every error in the rule files (file:line:column, the rule, the fix); exit 1 on errors",
    )
    check.add_argument("directory", nargs="?", type=Path, help="default: ROUTING_RULES_DIR")
    check.add_argument("--stores", type=Path, help="stores file (default: ROUTING_STORES_FILE)")
    where = check.add_mutually_exclusive_group()
    where.add_argument(
        "--locations", type=Path, help='JSON file {"shop.myshopify.com": ["Location name", ...]}'
    )
    where.add_argument("--online", action="store_true", help="read each store's locations from the Admin API")
    check.set_defaults(run=_rules_check, default_log_level="warning")

    test = rule_commands.add_parser(
        "test", help="run the rule authors' test cases (DIR/tests/*.yaml); exit 1 when one fails"
    )
    test.add_argument("directory", nargs="?", type=Path, help="default: ROUTING_RULES_DIR")
    test.add_argument(
        "--cases", type=Path, action="append", default=[], metavar="PATH", help="more case files or folders"
    )
    test.set_defaults(run=_rules_test, default_log_level="warning")

    simulate = commands.add_parser(
        "simulate", help="print what the rules decide for one order, and why (writes nothing)"
    )
    simulate.add_argument("snapshot", nargs="?", type=Path, metavar="SNAPSHOT_FILE", help="snapshot JSON")
    simulate.add_argument("--order", metavar="GID", help="read this order live from a configured store")
    simulate.add_argument("--store", metavar="DOMAIN", help="the store of --order (when several)")
    simulate.add_argument("--rules", type=Path, metavar="DIR", help="default: ROUTING_RULES_DIR")
    simulate.add_argument("--json", action="store_true", help="print the decision as JSON")
    simulate.set_defaults(run=_simulate, default_log_level="warning")

    replay = commands.add_parser(
        "replay", help="re-decide stored decisions with another rule set, offline; write a diff report"
    )
    replay.add_argument("--since", required=True, metavar="DATE", help="YYYY-MM-DD or ISO time (UTC)")
    replay.add_argument("--until", metavar="DATE", help="up to and including this day (default: now)")
    replay.add_argument("--store", metavar="DOMAIN", help="only this store's decisions")
    replay.add_argument("--rules", required=True, type=Path, metavar="DIR", help="the rule set to try")
    replay.add_argument("--out", type=Path, default=Path("replay-report"), help="writes OUT.md and OUT.html")
    replay.set_defaults(run=_replay, default_log_level="warning")

    shadow = commands.add_parser("shadow", help="shadow mode: where the shadow rule set disagrees")
    shadow_commands = shadow.add_subparsers(required=True, metavar="SHADOW_COMMAND")
    shadow_report = shadow_commands.add_parser("report", help="list the disagreements and why")
    shadow_report.add_argument("--since", metavar="DATE", help="YYYY-MM-DD or ISO time (UTC)")
    shadow_report.add_argument("--json", action="store_true", help="print them as JSON")
    shadow_report.set_defaults(run=_shadow_report, default_log_level="warning")

    add_vendor_commands(commands)
    add_privacy_commands(commands)
    deadletters = commands.add_parser(
        "deadletters", help="the deliveries that failed for good (kept with the reason): list, retry"
    )
    dead_commands = deadletters.add_subparsers(required=True, metavar="DEADLETTERS_COMMAND")
    dead_list = dead_commands.add_parser("list", help="print the failed deliveries, newest first")
    dead_list.add_argument("--shop", metavar="DOMAIN", help="only this store's")
    dead_list.add_argument("--limit", type=int, default=50, help="at most N (default 50)")
    dead_list.add_argument("--json", action="store_true", help="print them as JSON")
    dead_list.set_defaults(run=_deadletters_list, default_log_level="warning")
    dead_retry = dead_commands.add_parser(
        "retry", help="put failed deliveries back to pending; exit 1 naming ids that are not failed"
    )
    dead_retry.add_argument("ids", nargs="*", type=int, metavar="ID", help="delivery ids (from `list`)")
    dead_retry.add_argument("--all", action="store_true", help="every failed delivery (of --shop)")
    dead_retry.add_argument("--shop", metavar="DOMAIN", help="with --all: only this store's")
    dead_retry.set_defaults(run=_deadletters_retry, default_log_level="warning")

    chaos = commands.add_parser(
        "chaos",
        help="faults, SIGKILLs and replicas against the emulator; one table; exit 1 if a target is missed",
    )
    chaos.add_argument("--orders", type=int, default=2000, help="orders to place (default 2000)")
    chaos.add_argument("--faults", type=float, default=10.0, help="percent of orders followed by a fault")
    chaos.add_argument("--kills", type=int, default=10, help="SIGKILLs at random moments (default 10)")
    chaos.add_argument("--replicas", type=int, default=1, help="service processes (above 1: PostgreSQL)")
    chaos.add_argument(
        "--database-url", help="postgresql+asyncpg://… server: a fresh database is created on it for the run"
    )
    chaos.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    chaos.add_argument(
        "--webhook-senders", type=int, default=16, help="webhooks in flight at once (default 16)"
    )
    chaos.add_argument("--workdir", type=Path, help="logs and files of the run (default: a temporary folder)")
    chaos.set_defaults(run=_chaos, default_log_level="warning")

    bench = commands.add_parser(
        "bench",
        help="run a benchmark from tests/bench (a source checkout): " + ", ".join(BENCHMARKS),
        description="Each benchmark runs in a fresh process and prints JSON lines and a table. "
        "Options after the name go to the benchmark (e.g. `bench decide --decisions 20000`).",
    )
    bench.add_argument("name", choices=sorted(BENCHMARKS))
    bench.add_argument("options", nargs=argparse.REMAINDER, help="options of the benchmark")
    bench.set_defaults(run=_bench, default_log_level="warning")

    from adapters.shopify_setup.commands import add_shopify_commands

    add_shopify_commands(commands)
    return parser


# name → the module that runs it and the arguments it always gets
BENCHMARKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "decide": ("tests.bench.bench_decide", ()),
    "intake": ("tests.bench.bench_intake", ()),
    "cost": ("tests.bench.bench_cost", ()),
    "burst": ("tests.bench.bench_load", ("burst",)),
    "latency": ("tests.bench.bench_load", ("latency",)),
    "memory": ("tests.bench.bench_load", ("memory",)),
}


def _chaos(args: argparse.Namespace) -> int:
    from adapters.chaos import run_chaos_command

    return run_chaos_command(args)


def _bench(args: argparse.Namespace) -> int:
    import importlib.util
    import subprocess

    module, fixed = BENCHMARKS[args.name]
    if importlib.util.find_spec("tests.bench") is None:
        raise ConfigurationError(
            "bench: the benchmarks live in tests/bench of a source checkout; run from a clone"
        )
    return subprocess.call([sys.executable, "-m", module, *fixed, *args.options])


def _deadletters_list(args: argparse.Namespace) -> int:
    from adapters.dead_letters_cli import list_dead_letters

    if args.limit < 1:
        raise ConfigurationError("--limit: must be at least 1")
    return list_dead_letters(
        load_settings(), shop=args.shop, limit=args.limit, as_json=args.json, out=sys.stdout
    )


def _deadletters_retry(args: argparse.Namespace) -> int:
    from adapters.dead_letters_cli import retry_dead_letters

    if args.all == bool(args.ids):
        raise ConfigurationError("deadletters retry: give delivery ids or --all (one of them)")
    if args.shop and not args.all:
        raise ConfigurationError("--shop: only with --all")
    return retry_dead_letters(
        load_settings(), ids=args.ids, every=args.all, shop=args.shop, out=sys.stdout, err=sys.stderr
    )


def _serve(args: argparse.Namespace) -> int:
    import signal

    import uvicorn

    from adapters.app import create_app

    settings = load_settings()
    configure_logging(args.log_level, settings.log_format, secrets=secret_values(settings))
    app = create_app(settings)
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the previous
    # handler; with the default one the process would die by it (-15) after a clean stop.
    signal.signal(signal.SIGTERM, lambda *_: None)
    # log_config=None: uvicorn's own lines go through our handler too (JSON or text, secrets masked).
    uvicorn.run(
        app, host=args.host, port=args.port, log_level=args.log_level, access_log=False, log_config=None
    )
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from adapters.demo import DEFAULT_SCENARIO, run_demo
    from adapters.emulator.scenario import load_scenario

    if args.orders < 1:
        raise ConfigurationError("--orders: must be at least 1")
    scenario = load_scenario(args.scenario or DEFAULT_SCENARIO)
    secrets = [value for store in scenario.stores for value in (store.access_token, store.client_secret)]
    configure_logging(args.log_level, load_settings().log_format, secrets=secrets)
    return asyncio.run(
        run_demo(orders=args.orders, seed=args.seed, scenario=args.scenario, timeout=args.timeout)
    )


def _rules_check(args: argparse.Namespace) -> int:
    from adapters.rules_check import check_rules

    settings = load_settings()
    return check_rules(
        args.directory or settings.rules_dir,
        settings=settings,
        stores_file=args.stores,
        locations_file=args.locations,
        online=args.online,
        out=sys.stdout,
    )


def _rules_test(args: argparse.Namespace) -> int:
    from adapters.rule_check import RuleChecker
    from adapters.rules_test import run_rule_tests

    settings = load_settings()
    checker = RuleChecker(timeout_seconds=settings.rules_check_timeout_seconds)
    return run_rule_tests(
        args.directory or settings.rules_dir, extra=args.cases, checker=checker, out=sys.stdout
    )


def _simulate(args: argparse.Namespace) -> int:
    from adapters.simulate import read_live_snapshot, read_snapshot_file, simulate

    if (args.snapshot is None) == (args.order is None):
        raise ConfigurationError("simulate: give a SNAPSHOT_FILE or --order GID (one of them)")
    if args.store and not args.order:
        raise ConfigurationError("--store: only with --order")
    settings = load_settings()
    if args.order:
        snapshot = read_live_snapshot(settings, args.order, args.store)
    else:
        snapshot = read_snapshot_file(args.snapshot)
    return simulate(snapshot, settings=settings, rules_dir=args.rules, as_json=args.json, out=sys.stdout)


def _replay(args: argparse.Namespace) -> int:
    from adapters.replay import run_replay

    return run_replay(
        load_settings(),
        since=args.since,
        until=args.until,
        store=args.store,
        rules_dir=args.rules,
        out=args.out,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def _shadow_report(args: argparse.Namespace) -> int:
    from adapters.shadow import parse_since, report

    since = None if args.since is None else parse_since(args.since, "--since")
    return report(load_settings(), since=since, as_json=args.json, out=sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
