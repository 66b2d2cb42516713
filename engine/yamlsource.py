"""YAML text to a small node tree that keeps the position of every key and value.

PyYAML's composer gives nodes with marks; we convert them once into typed nodes so the parser
can say `rules/routing.yaml:12:7` for any value it rejects. Only text is parsed here: reading
files is the adapters' job.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from engine.errors import Mark, RuleIssue

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class YScalar:
    mark: Mark
    value: Scalar

    @property
    def kind(self) -> str:
        return "empty value" if self.value is None else type(self.value).__name__


@dataclass(frozen=True)
class YSeq:
    mark: Mark
    items: tuple[YNode, ...]
    kind = "list"


@dataclass(frozen=True)
class YMap:
    mark: Mark
    entries: tuple[tuple[YScalar, YNode], ...]
    kind = "mapping"

    def get(self, key: str) -> YNode | None:
        return next((value for k, value in self.entries if k.value == key), None)

    def key_mark(self, key: str) -> Mark:
        return next((k.mark for k, _ in self.entries if k.value == key), self.mark)


YNode = YScalar | YSeq | YMap


def load_yaml(file: str, text: str) -> tuple[YNode | None, list[RuleIssue]]:
    """Parse one YAML document; an empty document gives `None`."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as error:  # a control character: refused before any parsing
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        problem = f"character #x{error.character:04x} is not allowed in YAML"
        return None, [RuleIssue(Mark(file, line, column), "file", problem, "delete the character")]
    try:
        root = loader.get_single_node()
        if root is None:
            return None, []
        issues: list[RuleIssue] = []
        return _convert(loader, file, root, issues), issues
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = Mark(file, mark.line + 1, mark.column + 1) if mark else Mark(file, 1, 1)
        problem = " ".join(part for part in (error.context, error.problem) if part)
        return None, [RuleIssue(where, "file", f"not valid YAML: {problem}", "check indentation and quoting")]
    finally:
        loader.dispose()


def _mark(file: str, node: yaml.Node) -> Mark:
    return Mark(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _convert(
    loader: yaml.SafeLoader,
    file: str,
    node: yaml.Node,
    issues: list[RuleIssue],
    inside: frozenset[int] = frozenset(),
) -> YNode:
    mark = _mark(file, node)
    if id(node) in inside:  # an alias of a node that contains it (`&a [x, *a]`): rules are finite
        issues.append(
            RuleIssue(mark, "file", "an alias refers to a node that contains it", "remove the alias")
        )
        return YScalar(mark, None)
    inside = inside | {id(node)} if not isinstance(node, yaml.ScalarNode) else inside
    if isinstance(node, yaml.ScalarNode):
        if node.tag.endswith(":timestamp"):
            return YScalar(mark, str(node.value))  # dates: keep the text as written (even 2026-13-01)
        try:
            value = loader.construct_object(node)
        except (ValueError, yaml.YAMLError):
            value = str(node.value)
        if not isinstance(value, str | int | float | bool | None):
            value = str(node.value)
        return YScalar(mark, value)
    if isinstance(node, yaml.SequenceNode):
        return YSeq(mark, tuple(_convert(loader, file, item, issues, inside) for item in node.value))
    assert isinstance(node, yaml.MappingNode)
    entries: list[tuple[YScalar, YNode]] = []
    seen: set[str] = set()
    for key_node, value_node in _merged(node):
        key = _convert(loader, file, key_node, issues, inside)
        if not isinstance(key, YScalar) or not isinstance(key.value, str):
            issues.append(RuleIssue(key.mark, "file", "keys must be plain words", "write `name: value`"))
            continue
        if key.value in seen:
            issues.append(RuleIssue(key.mark, "file", f"key `{key.value}` appears twice", "keep one of them"))
            continue
        seen.add(key.value)
        entries.append((key, _convert(loader, file, value_node, issues, inside)))
    return YMap(mark, tuple(entries))


_MERGE = "tag:yaml.org,2002:merge"


def _merged(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    """The entries of a mapping with `<<: *anchor` merges resolved; its own keys win."""
    own = [(k, v) for k, v in node.value if k.tag != _MERGE]
    names = {k.value for k, _ in own if isinstance(k, yaml.ScalarNode)}
    merged: list[tuple[yaml.Node, yaml.Node]] = []
    for key, value in node.value:
        if key.tag != _MERGE:
            continue
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in sources:
            if isinstance(source, yaml.MappingNode):
                for k, v in _merged(source):
                    if isinstance(k, yaml.ScalarNode) and k.value not in names:
                        names.add(k.value)
                        merged.append((k, v))
    return merged + own
