"""Reading typed values out of YAML nodes, collecting every problem with its position."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from engine.errors import Mark, RuleIssue
from engine.yamlsource import YMap, YNode, YScalar, YSeq


class Reader:
    """Collects issues about one subject (a strategy, the fallback, a file); shared issue list."""

    def __init__(self, subject: str, issues: list[RuleIssue] | None = None) -> None:
        self.subject = subject
        self.issues: list[RuleIssue] = [] if issues is None else issues

    def about(self, subject: str) -> Reader:
        return Reader(subject, self.issues)

    def fail(self, where: YNode | Mark, message: str, hint: str = "") -> None:
        mark = where if isinstance(where, Mark) else where.mark
        self.issues.append(RuleIssue(mark, self.subject, message, hint))

    def mapping(self, node: YNode, what: str, hint: str) -> YMap | None:
        if isinstance(node, YMap):
            return node
        self.fail(node, f"{what} must be a mapping, not a {node.kind}", hint)
        return None

    def sequence(self, node: YNode, what: str, hint: str) -> YSeq | None:
        if isinstance(node, YSeq):
            return node
        self.fail(node, f"{what} must be a list, not a {node.kind}", hint)
        return None

    def check_keys(self, node: YMap, allowed: Sequence[str], what: str) -> None:
        for key, _ in node.entries:
            name = str(key.value)
            if name not in allowed:
                self.fail(key, f"unknown key `{name}` in {what}", suggest(name, allowed))

    def require(self, node: YMap, key: str, what: str, hint: str) -> YNode | None:
        value = node.get(key)
        if value is None:
            self.fail(node, f"{what} needs `{key}:`", hint)
        return value

    def text(self, node: YNode, what: str, hint: str) -> str | None:
        if isinstance(node, YScalar) and isinstance(node.value, str) and node.value.strip():
            return node.value.strip()
        if isinstance(node, YScalar) and node.value is not None:
            # YAML 1.1 reads NO, on, 1e3 as non-strings: the classic Norway problem.
            self.fail(node, f"{what} must be text, YAML read a {node.kind} here", "put the value in quotes")
        else:
            self.fail(node, f"{what} must be text, not a {node.kind}", hint)
        return None

    def texts(self, node: YNode, what: str, hint: str) -> tuple[str, ...] | None:
        """One text or a non-empty list of texts, duplicates removed, order kept."""
        items = node.items if isinstance(node, YSeq) else (node,)
        if not items:
            self.fail(node, f"{what} must not be an empty list", hint)
            return None
        values = [self.text(item, what, hint) for item in items]
        if any(value is None for value in values):
            return None
        return tuple(dict.fromkeys(value for value in values if value is not None))

    def integer(self, node: YNode, what: str, hint: str, minimum: int = 0) -> int | None:
        value = node.value if isinstance(node, YScalar) else None
        if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
            return value
        self.fail(node, f"{what} must be a whole number of at least {minimum}", hint)
        return None

    def number(self, node: YNode, what: str, hint: str) -> float | None:
        value = node.value if isinstance(node, YScalar) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            return float(value)
        self.fail(node, f"{what} must be a number of at least 0", hint)
        return None

    def boolean(self, node: YNode, what: str) -> bool | None:
        value = node.value if isinstance(node, YScalar) else None
        if isinstance(value, bool):
            return value
        self.fail(node, f"{what} must be `true` or `false`", f"write `{what.strip('`')}: true`")
        return None

    def entries(self, node: YNode, what: str, hint: str) -> tuple[tuple[YScalar, YNode], ...]:
        """The entries of a mapping (none, after reporting, when it is not one)."""
        mapping = self.mapping(node, what, hint)
        return mapping.entries if mapping is not None else ()


def suggest(name: str, allowed: Sequence[str]) -> str:
    choices = ", ".join(f"`{a}`" for a in allowed)
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        return f"did you mean `{close[0]}`? (valid: {choices})"
    return f"write one of: {choices}"
