"""`routing-engine rules check [DIR]`: every error with its place and fix; 0 clean, 1 errors, 2 usage."""

from __future__ import annotations

import json
from pathlib import Path

from .support import CA, ONE_STRATEGY, RULES, US, cli, many_strategies, rules_dir, stores_file


def test_the_repository_rules_are_clean_and_summarised_in_one_line() -> None:
    run = cli("rules", "check", RULES)
    assert run.code == 0, run.out + run.err
    (line,) = run.out.splitlines()
    assert line.startswith(f"{RULES}: OK: 2 strategies, 0 location groups, fallback hold, version ")
    assert "stores not checked: no stores file" in line
    assert "locations not checked: give --locations FILE or --online" in line


def test_the_directory_defaults_to_the_rules_dir_setting(tmp_path: Path) -> None:
    run = cli("rules", "check", ROUTING_RULES_DIR=str(rules_dir(tmp_path)))
    assert run.code == 0 and run.out.startswith(f"{tmp_path}/rules: OK: 1 strategy,")


def test_an_unknown_key_is_reported_at_its_place_with_what_to_write_instead(tmp_path: Path) -> None:
    directory = rules_dir(tmp_path, ONE_STRATEGY.replace("locations:", "locaitons:"))
    run = cli("rules", "check", directory)
    assert run.code == 1
    lines = run.out.splitlines()
    error = "strategy us-first: unknown key `locaitons` in a strategy"
    at = lines.index(f"{directory}/routing.yaml:5:5: {error}")
    assert lines[at + 1].startswith("    did you mean `locations`?")
    assert lines[-1].startswith(f"{directory}: ") and "error" in lines[-1]


def test_every_error_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    directory = rules_dir(tmp_path, ONE_STRATEGY.replace("locations:", "locaitons:"))
    (directory / "more.yaml").write_text("strategies:\n  - id: Bad Id\n    locations: [X]\n")
    run = cli("rules", "check", directory)
    assert run.code == 1
    places = [line.split(": ")[0] for line in run.out.splitlines() if not line.startswith(" ")][:-1]
    assert f"{directory}/more.yaml:2:9" in places and f"{directory}/routing.yaml:5:5" in places


def test_a_store_missing_from_the_stores_file_is_named_where_it_is_written(tmp_path: Path) -> None:
    typo = ONE_STRATEGY.replace("store: north-wind-us", "store: north-wnd-us")
    run = cli("rules", "check", rules_dir(tmp_path, typo), ROUTING_STORES_FILE=str(stores_file(tmp_path)))
    assert run.code == 1
    assert run.out.splitlines()[:2] == [
        f"{tmp_path}/rules/routing.yaml:4:14: strategy us-first: "
        "store `north-wnd-us.myshopify.com` is not in the stores file",
        f"    did you mean `{US}`? (valid: `{CA}`, `{US}`)",
    ]
    assert f"stores checked against {tmp_path}/stores.toml" in run.out


def test_stores_named_in_the_stores_file_pass(tmp_path: Path) -> None:
    run = cli("rules", "check", rules_dir(tmp_path), "--stores", stores_file(tmp_path))
    assert run.code == 0 and f"stores checked against {tmp_path}/stores.toml" in run.out


def test_locations_are_resolved_against_a_locations_file(tmp_path: Path) -> None:
    known = tmp_path / "locations.json"
    known.write_text(json.dumps({US: ["Newark DC", "Chicago DC"], CA: ["Toronto DC"]}))
    directory = rules_dir(tmp_path, ONE_STRATEGY.replace("Chicago DC", "Chicgo DC"))
    run = cli("rules", "check", directory, "--locations", known)
    assert run.code == 1
    assert run.out.splitlines()[:2] == [
        f"{directory}/routing.yaml:5:28: strategy us-first: location `Chicgo DC` is not a location of {US}",
        "    did you mean `Chicago DC`? (valid: `Chicago DC`, `Newark DC`)",
    ]


def test_a_rule_set_beyond_a_durable_rules_limit_is_rejected_by_the_child_check(tmp_path: Path) -> None:
    run = cli("rules", "check", rules_dir(tmp_path, many_strategies(64)))
    assert run.code == 1
    (error,) = [line for line in run.out.splitlines() if ": strategy s63: " in line]
    assert "at most 63 strategies" in error and "durable_rules" in error


def test_a_missing_directory_is_a_usage_error(tmp_path: Path) -> None:
    run = cli("rules", "check", tmp_path / "nowhere")
    assert run.code == 2 and "is not a directory of rule files" in run.err


def test_online_needs_a_stores_file(tmp_path: Path) -> None:
    run = cli("rules", "check", rules_dir(tmp_path), "--online")
    assert run.code == 2 and "--online: needs a stores file" in run.err


def test_a_malformed_locations_file_is_a_usage_error(tmp_path: Path) -> None:
    known = tmp_path / "locations.json"
    known.write_text('{"north-wind-us.myshopify.com": "Newark DC"}')
    run = cli("rules", "check", rules_dir(tmp_path), "--locations", known)
    assert run.code == 2 and "must list location names" in run.err


def test_a_rule_file_that_is_not_utf8_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    directory = rules_dir(tmp_path)
    (directory / "latin1.yaml").write_bytes("# Montréal\n".encode("latin-1"))
    run = cli("rules", "check", directory)
    assert run.code == 2 and f"{directory}/latin1.yaml: not UTF-8 text" in run.err
