"""Reading the rule files from disk; the engine parses and validates their text."""

from __future__ import annotations

from pathlib import Path

from adapters.settings import ConfigurationError
from engine import RuleSet, parse_ruleset


class RuleFilesMissing(ConfigurationError):
    """The rules directory is missing or holds no rule file."""


def read_rule_files(directory: Path) -> dict[str, str]:
    """Every `*.yaml` / `*.yml` file directly in `directory`, by path, in name order."""
    if not directory.is_dir():
        raise RuleFilesMissing(f"ROUTING_RULES_DIR: {directory} is not a directory of rule files")
    paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not paths:
        raise RuleFilesMissing(f"ROUTING_RULES_DIR: {directory} holds no *.yaml rule file")
    return {str(path): path.read_text(encoding="utf-8") for path in paths}


def load_ruleset(directory: Path) -> RuleSet:
    """Read and parse the rule set; raises RuleFilesMissing or engine.RuleSetError."""
    return parse_ruleset(read_rule_files(directory))
