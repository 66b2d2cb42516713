"""Reading the rule files from disk; the engine parses and validates their text.

`load_checked_ruleset` is how the service and the tools load rules: the text is first
exercised in a child process (`adapters.rule_check`), and parsed here only once the child
accepted it, so a rule set that would hang or crash durable_rules never runs in this process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from adapters.rule_check import CheckFailed, CheckResult, RuleChecker
from adapters.settings import ConfigurationError
from engine import RuleSet, RuleSetError, parse_ruleset

RULE_FILE_PATTERNS = ("*.yaml", "*.yml")

# (file name, modification time in ns, size): what the file watch compares between polls.
Signature = tuple[tuple[str, int, int], ...]


class RuleFilesMissing(ConfigurationError):
    """The rules directory is missing or holds no rule file."""


class RuleCheckFailed(ConfigurationError):
    """The child check did not accept the rule set for a reason other than errors in the files."""


def rule_file_paths(directory: Path) -> list[Path]:
    return sorted(path for pattern in RULE_FILE_PATTERNS for path in directory.glob(pattern))


def read_rule_files(directory: Path) -> dict[str, str]:
    """Every `*.yaml` / `*.yml` file directly in `directory`, by path, in name order."""
    if not directory.is_dir():
        raise RuleFilesMissing(f"ROUTING_RULES_DIR: {directory} is not a directory of rule files")
    paths = rule_file_paths(directory)
    if not paths:
        raise RuleFilesMissing(f"ROUTING_RULES_DIR: {directory} holds no *.yaml rule file")
    files: dict[str, str] = {}
    for path in paths:
        try:
            files[str(path)] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigurationError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    return files


def rule_files_signature(directory: Path) -> Signature:
    """Cheap to take every few seconds; any edit, addition, removal or rename changes it."""
    signature = []
    for path in rule_file_paths(directory):
        try:
            stat = path.stat()
        except FileNotFoundError:  # removed between the listing and the stat
            continue
        signature.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


def files_digest(files: Mapping[str, str]) -> str:
    """12 hex of the files' names and bytes: names a rule set that has no version (it failed)."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(Path(name).name.encode() + b"\0" + files[name].encode() + b"\0")
    return digest.hexdigest()[:12]


def load_ruleset(directory: Path) -> RuleSet:
    """Read and parse the rule set, in this process; raises RuleFilesMissing or engine.RuleSetError."""
    return parse_ruleset(read_rule_files(directory))


def load_checked_ruleset(directory: Path, checker: RuleChecker) -> RuleSet:
    """Read, check in a child process, then parse; raises RuleSetError or RuleCheckFailed."""
    files = read_rule_files(directory)
    return accept_checked(files, checker.check(files))


def accept_checked(files: Mapping[str, str], result: CheckResult) -> RuleSet:
    """Parse the files the child accepted (the same text it checked); a rejection raises."""
    if isinstance(result, CheckFailed):
        if result.issues:
            raise RuleSetError(result.issues)
        raise RuleCheckFailed(f"the rule files were rejected: {result.reason}")
    ruleset = parse_ruleset(files)
    if ruleset.version != result.version:  # parsing is deterministic; a mismatch is a defect
        raise RuleCheckFailed(
            f"the check accepted version {result.version} but this process read {ruleset.version}"
        )
    return ruleset
