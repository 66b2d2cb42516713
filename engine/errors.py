"""Rule-file errors: each one points at `file:line:column`, names the rule and says what to write."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    """A position in a rule file, 1-based as editors show it."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class RuleIssue:
    """One problem in a rule file: where, in which rule, what is wrong, and what to write instead."""

    mark: Mark
    subject: str  # "strategy us-ship-complete", "fallback", "file"
    message: str
    hint: str = ""

    def __str__(self) -> str:
        tail = f"; {self.hint}" if self.hint else ""
        return f"{self.mark}: {self.subject}: {self.message}{tail}"


class RuleSetError(ValueError):
    """The rule files cannot be used; `issues` lists every problem found, in file order."""

    def __init__(self, issues: Iterable[RuleIssue]) -> None:
        self.issues: tuple[RuleIssue, ...] = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in self.issues))
