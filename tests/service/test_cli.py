"""The `routing-engine` command: configuration errors name the key and exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ROUTING_")}
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        env={**clean, **env},
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_without_a_stores_file_says_which_variable_to_set() -> None:
    result = run("serve")
    assert result.returncode == 2
    assert "ROUTING_STORES_FILE" in result.stderr


def test_a_malformed_setting_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    result = run("serve", ROUTING_API_VERSION="next-week")
    assert result.returncode == 2
    assert "ROUTING_API_VERSION" in result.stderr


def test_a_missing_rules_directory_is_named(tmp_path: Path) -> None:
    stores = tmp_path / "stores.toml"
    stores.write_text('[[stores]]\ndomain = "a.myshopify.com"\naccess_token = "t"\nclient_secrets = ["s"]\n')
    result = run("serve", ROUTING_STORES_FILE=str(stores), ROUTING_RULES_DIR=str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "ROUTING_RULES_DIR" in result.stderr


def test_a_bad_rule_file_is_reported_with_its_place(tmp_path: Path) -> None:
    stores = tmp_path / "stores.toml"
    stores.write_text('[[stores]]\ndomain = "a.myshopify.com"\naccess_token = "t"\nclient_secrets = ["s"]\n')
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "routing.yaml").write_text("strategies:\n  - id: a\n    locaitons: [X]\n")
    result = run("serve", ROUTING_STORES_FILE=str(stores), ROUTING_RULES_DIR=str(rules))
    assert result.returncode == 2
    assert "routing.yaml:3:5" in result.stderr and "locaitons" in result.stderr


def test_demo_refuses_a_non_positive_order_count() -> None:
    result = run("demo", "--orders", "0")
    assert result.returncode == 2
    assert "--orders" in result.stderr


def test_serve_refuses_rules_beyond_a_durable_rules_limit_checked_in_a_child(tmp_path: Path) -> None:
    stores = tmp_path / "stores.toml"
    stores.write_text('[[stores]]\ndomain = "a.myshopify.com"\naccess_token = "t"\nclient_secrets = ["s"]\n')
    rules = tmp_path / "rules"
    rules.mkdir()
    many = "".join(f"  - id: s{n}\n    locations: [X]\n" for n in range(64))
    (rules / "routing.yaml").write_text(f"strategies:\n{many}fallback:\n  keep: true\n")
    result = run("serve", ROUTING_STORES_FILE=str(stores), ROUTING_RULES_DIR=str(rules))
    assert result.returncode == 2
    assert "routing.yaml:128:5: strategy s63: " in result.stderr and "durable_rules" in result.stderr


def test_a_too_short_admin_token_is_refused_naming_the_key() -> None:
    result = run("serve", ROUTING_ADMIN_TOKEN="short-xyzzy")
    assert result.returncode == 2
    assert "ROUTING_ADMIN_TOKEN: at least 16 characters" in result.stderr
    assert "xyzzy" not in result.stderr + result.stdout  # the value itself is never echoed


def test_the_rule_tools_answer_on_the_repository_rules() -> None:
    assert run("rules", "check", "rules").returncode == 0
    assert run("rules", "test", "rules").returncode == 0
    assert run("simulate", "fixtures/snapshots/us-order-moves-to-newark.json").returncode == 0


def test_rules_needs_a_subcommand() -> None:
    result = run("rules")
    assert result.returncode == 2 and "RULES_COMMAND" in result.stderr


def test_bench_runs_a_benchmark_and_prints_its_json_line() -> None:
    result = run("bench", "decide", "--decisions", "300")
    assert result.returncode == 0, result.stderr
    first = next(line for line in result.stdout.splitlines() if line.startswith("{"))
    assert json.loads(first)["decisions"] == 300


def test_bench_names_its_benchmarks() -> None:
    result = run("bench", "nonsense")
    assert result.returncode == 2
    assert "decide" in result.stderr and "intake" in result.stderr
