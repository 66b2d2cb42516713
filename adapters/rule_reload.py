"""Live rule changes: the rule set the service serves, replaced only by one that passed the check.

A reload (from the file watch or `POST /admin/rules/reload`) reads the rule files once, has the
child process of `adapters.rule_check` parse, compile and exercise exactly that text under a
timeout, and only then parses it here and swaps it in. Whatever goes wrong (errors in the
files, a child that hangs and is killed, a child that crashes) leaves the old rule set serving;
the rejection is logged and shown by `status()` (and so by `/readyz`) until a later reload
succeeds. Processing reads `reloader.ruleset` once per delivery, so a swap never changes the
rules under a decision being made.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from adapters.metrics import NO_METRICS, Metrics, RuleSetName
from adapters.rule_check import CheckFailed, RuleChecker
from adapters.rule_files import (
    accept_checked,
    files_digest,
    load_checked_ruleset,
    read_rule_files,
    rule_files_signature,
)
from adapters.settings import ConfigurationError
from engine import RuleIssue, RuleSet, RuleSetError

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Rejection:
    """A rule set that was not taken: `digest` names its files (it has no version: it failed)."""

    digest: str
    at: datetime
    reason: str
    issues: tuple[RuleIssue, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "files": self.digest,
            "at": _stamp(self.at),
            "reason": self.reason,
            "issues": [str(issue) for issue in self.issues],
        }


@dataclass(frozen=True)
class ReloadReport:
    result: Literal["reloaded", "unchanged", "rejected"]
    previous: str  # the version serving before
    serving: str  # the version serving after
    rejection: Rejection | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"result": self.result, "previous": self.previous, "serving": self.serving}
        if self.rejection is not None:
            body["rejected"] = self.rejection.as_json()
        return body


class RuleReloader:
    """Holds the serving rule set; `reload()` replaces it only with a checked one."""

    def __init__(
        self,
        directory: Path,
        checker: RuleChecker,
        ruleset: RuleSet,
        *,
        clock: Clock = utc_now,
        metrics: Metrics = NO_METRICS,
        name: RuleSetName = "live",
    ) -> None:
        self.directory = directory
        self.name = name  # which rule set the reload metrics count
        self.checker = checker
        self.ruleset = ruleset
        self.loaded_at = clock()
        self.rejection: Rejection | None = None
        self._clock = clock
        self.metrics = metrics
        self._lock = asyncio.Lock()
        self._seen = rule_files_signature(directory)

    @classmethod
    def load(
        cls,
        directory: Path,
        checker: RuleChecker,
        *,
        clock: Clock = utc_now,
        metrics: Metrics = NO_METRICS,
        name: RuleSetName = "live",
    ) -> RuleReloader:
        """The start-up load, checked in a child like any reload; raises when it fails."""
        seen = rule_files_signature(directory)  # taken first: an edit during the load is seen later
        ruleset = load_checked_ruleset(directory, checker)
        reloader = cls(directory, checker, ruleset, clock=clock, metrics=metrics, name=name)
        reloader._seen = seen
        return reloader

    async def reload(self, trigger: str) -> ReloadReport:
        """Check the files as they are now and serve them if they pass. One reload at a time."""
        async with self._lock:
            previous = self.ruleset.version
            self._seen = rule_files_signature(self.directory)
            try:
                files = read_rule_files(self.directory)
            except (ConfigurationError, OSError, UnicodeDecodeError) as exc:
                return self._reject(trigger, "-", str(exc), ())
            digest = files_digest(files)
            result = await self.checker.check_async(files)
            if isinstance(result, CheckFailed):
                reason = _count(result.issues) if result.issues else result.reason
                return self._reject(trigger, digest, reason, result.issues)
            try:
                ruleset = accept_checked(files, result)
            except (RuleSetError, ConfigurationError) as exc:  # the child and this process disagree
                return self._reject(trigger, digest, str(exc), ())
            self.ruleset, self.loaded_at, self.rejection = ruleset, self._clock(), None
            if ruleset.version == previous:
                logger.info("rule files re-read (%s): rule set %s unchanged", trigger, previous)
                self.metrics.rules_reloaded("unchanged", self.name)
                return ReloadReport("unchanged", previous, previous)
            logger.info("rule set %s replaces %s (%s)", ruleset.version, previous, trigger)
            self.metrics.rules_reloaded("reloaded", self.name)
            return ReloadReport("reloaded", previous, ruleset.version)

    async def watch(self, interval_seconds: float) -> None:
        """Poll the rule files' names, times and sizes; reload when they change. Runs until cancelled."""
        while True:
            await asyncio.sleep(interval_seconds)
            try:
                if rule_files_signature(self.directory) != self._seen:
                    await self.reload("rule files changed")
            except Exception:  # the watch outlives any one failure; the next change tries again
                logger.exception("the rule-file watch failed; it keeps watching")

    def status(self) -> str:
        """One line for `/readyz`: the version serving, and the last rejection since it was loaded."""
        line = f"loaded {self.ruleset.version}"
        if self.rejection is not None:
            r = self.rejection
            line += f"; rejected files {r.digest} at {_stamp(r.at)}: {r.reason}"
        return line

    def as_json(self) -> dict[str, Any]:
        return {
            "serving": self.ruleset.version,
            "loaded_at": _stamp(self.loaded_at),
            "files": list(self.ruleset.files),
            "rejected": self.rejection.as_json() if self.rejection else None,
        }

    def _reject(self, trigger: str, digest: str, reason: str, issues: tuple[RuleIssue, ...]) -> ReloadReport:
        self.rejection = Rejection(digest, self._clock(), reason, issues)
        self.metrics.rules_reloaded("rejected", self.name)
        logger.warning(
            "rule files %s rejected (%s), %s keeps serving: %s",
            digest,
            trigger,
            self.ruleset.version,
            reason,
        )
        for issue in issues:
            logger.warning("  %s", issue)
        version = self.ruleset.version
        return ReloadReport("rejected", version, version, self.rejection)


def _count(issues: tuple[RuleIssue, ...]) -> str:
    first = f": {issues[0]}" if issues else ""
    return f"{len(issues)} error{'s' if len(issues) != 1 else ''} in the rule files{first}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
