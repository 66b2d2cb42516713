"""Exercising a rule set in a child process before this process ever evaluates it.

durable_rules is a C core: a rule shape it mishandles hangs it with the GIL held, or crashes
the process, and neither can be caught from Python. So a rule set is parsed, registered with
durable_rules and run through `decide()` on small synthetic orders in a child process
(`python -m adapters.rule_check`), which the parent kills at the timeout. Only a rule set the
child accepted is parsed in the parent.

Protocol: the parent writes `{"files": {name: text}}` as JSON on the child's stdin, so the
child checks exactly the text the parent read; the child's last stdout line is one JSON object,
`{"ok": true, "version": "<12 hex>"}` or `{"ok": false, "issues": [{file, line, column,
subject, message, hint}, …]}`. Anything else (a timeout, a signal, a traceback) is a failure
the parent describes in one line.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.rule_probes import probe_snapshots
from engine import Mark, RuleIssue, RuleSetError, decide, parse_ruleset

CHILD_COMMAND = (sys.executable, "-m", "adapters.rule_check")
DEFAULT_TIMEOUT_SECONDS = 10.0
_STDERR_TAIL = 300  # characters of a failed child's stderr worth quoting


@dataclass(frozen=True)
class CheckPassed:
    version: str


@dataclass(frozen=True)
class CheckFailed:
    """Why the rule set cannot be used: `reason` is one line; `issues` when the files have errors."""

    reason: str
    issues: tuple[RuleIssue, ...] = ()


CheckResult = CheckPassed | CheckFailed


@dataclass(frozen=True)
class RuleChecker:
    """Runs the child check. `command` is replaceable so that tests can stand in a hanging child."""

    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    command: Sequence[str] = field(default=CHILD_COMMAND)

    def check(self, files: Mapping[str, str]) -> CheckResult:
        """Blocking form, for the CLI and start-up (before the event loop serves anything)."""
        try:
            done = subprocess.run(
                list(self.command),
                input=_request(files),
                capture_output=True,
                timeout=self.timeout_seconds,
            )
        except subprocess.TimeoutExpired:  # subprocess.run has killed the child already
            return self._timed_out()
        return read_answer(done.returncode, done.stdout, done.stderr)

    async def check_async(self, files: Mapping[str, str]) -> CheckResult:
        """Non-blocking form, for reloads while the service runs."""
        child = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            stdout, stderr = await asyncio.wait_for(child.communicate(_request(files)), self.timeout_seconds)
        except TimeoutError:
            return self._timed_out()
        finally:
            if child.returncode is None:  # timed out, or we were cancelled: never leave it running
                child.kill()
                await child.wait()
        assert child.returncode is not None
        return read_answer(child.returncode, stdout, stderr)

    def _timed_out(self) -> CheckFailed:
        return CheckFailed(
            f"the check did not finish within {self.timeout_seconds:g} s and was killed "
            "(a rule shape that hangs durable_rules?)"
        )


def read_answer(returncode: int, stdout: bytes, stderr: bytes) -> CheckResult:
    """The child's verdict, or a one-line account of how it failed."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return CheckFailed(f"the check crashed ({name}): durable_rules cannot run this rule set")
    lines = stdout.decode("utf-8", "replace").strip().splitlines()
    answer: Any = None
    if returncode == 0 and lines:
        try:
            answer = json.loads(lines[-1])
        except json.JSONDecodeError:
            answer = None
    if not isinstance(answer, dict):
        tail = stderr.decode("utf-8", "replace").strip()[-_STDERR_TAIL:]
        last = tail.splitlines()[-1] if tail else "no output"
        return CheckFailed(f"the check failed (exit code {returncode}): {last}")
    if answer.get("ok") is True:
        return CheckPassed(str(answer["version"]))
    issues = tuple(_issue(item) for item in answer.get("issues", ()))
    count = len(issues)
    return CheckFailed(f"{count} error{'s' if count != 1 else ''} in the rule files", issues)


def _request(files: Mapping[str, str]) -> bytes:
    return json.dumps({"files": dict(files)}).encode()


def _issue(item: Mapping[str, Any]) -> RuleIssue:
    mark = Mark(str(item["file"]), int(item["line"]), int(item["column"]))
    return RuleIssue(mark, str(item["subject"]), str(item["message"]), str(item.get("hint", "")))


def _issue_json(issue: RuleIssue) -> dict[str, Any]:
    mark = issue.mark
    return {
        "file": mark.file,
        "line": mark.line,
        "column": mark.column,
        "subject": issue.subject,
        "message": issue.message,
        "hint": issue.hint,
    }


# --- the child -------------------------------------------------------------------------------


def run_child(request: Mapping[str, Any]) -> dict[str, Any]:
    """Parse, then decide on the probes (durable_rules registers the rule set on first use)."""
    files = {str(name): str(text) for name, text in request["files"].items()}
    try:
        ruleset = parse_ruleset(files)
    except RuleSetError as exc:
        return {"ok": False, "issues": [_issue_json(issue) for issue in exc.issues]}
    for snapshot in probe_snapshots(ruleset):
        decide(snapshot, ruleset)
    return {"ok": True, "version": ruleset.version}


def main() -> int:
    answer = run_child(json.loads(sys.stdin.buffer.read()))
    sys.stdout.write("\n" + json.dumps(answer) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
