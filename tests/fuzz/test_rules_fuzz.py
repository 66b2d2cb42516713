"""A rule file, however malformed, gives a valid rule set or a clear RuleSetError, never another exception.

Hypothesis mutates the shipped rule files line by line (drops, repeats, re-indents, splices in
YAML oddities such as tags that would construct Python objects) and writes random documents from
the rule grammar's own keys, then parses them as the service does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import RuleSet, RuleSetError, parse_ruleset

RULES = Path(__file__).resolve().parents[2] / "rules"
SHIPPED = {
    path.name: path.read_text() for path in [RULES / "routing.yaml", *sorted(RULES.glob("examples/*.yaml"))]
}
ODDITIES = [
    "!!python/object/apply:os.system ['true']",
    "&anchor [a, *anchor]",
    "*undefined",
    "{",
    "]",
    "- - -",
    "? complex key",
    "key: value: other",
    "\t",
    "~",
    "0x1F",
    "1e999",
    "'unterminated",
    "%YAML 1.1",
    "---",
    "...",
    "\u0000",
    "\ufeff",
    "é: ü",
]
KEYS = [
    "strategies", "id", "when", "locations", "fallback", "keep", "hold", "store", "order_tags", "any_of",
    "all_of", "none_of", "destination_country", "delivery_method", "not", "any", "all", "rank", "split",
    "groups", "vendors", "outputs", "tags", "metafields", "release_on", "reason", "notes", "sku",
]  # fmt: skip


def outcome_of(files: dict[str, str]) -> RuleSet | RuleSetError:
    try:
        return parse_ruleset(files)
    except RuleSetError as error:
        return error


def assert_clear(result: RuleSet | RuleSetError, name: str) -> None:
    if isinstance(result, RuleSetError):
        message = str(result)
        assert message.strip(), "a RuleSetError says what is wrong"
        assert name in message, f"the error names the file: {message}"


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(SHIPPED)))
    lines = SHIPPED[name].splitlines()
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        action = draw(st.sampled_from(["drop", "repeat", "indent", "dedent", "splice", "cut"]))
        if not lines:
            lines = [draw(st.sampled_from(ODDITIES))]
        elif action == "drop":
            del lines[at]
        elif action == "repeat":
            lines.insert(at, lines[at])
        elif action == "indent":
            lines[at] = " " * draw(st.integers(1, 5)) + lines[at]
        elif action == "dedent":
            lines[at] = lines[at].lstrip()
        elif action == "splice":
            line = lines[at]
            cut = draw(st.integers(0, len(line)))
            lines[at] = line[:cut] + draw(st.sampled_from(ODDITIES) | st.text(max_size=8)) + line[cut:]
        else:
            lines = lines[:at]
    return f"rules/{name}", "\n".join(lines) + "\n"


scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=12) | st.sampled_from(KEYS)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=16,
)


@settings(max_examples=200, deadline=None, database=None)
@given(file=mutated_files())
def test_a_mutated_rule_file_parses_or_says_what_is_wrong(file: tuple[str, str]) -> None:
    name, text = file
    assert_clear(outcome_of({name: text}), name)


@settings(max_examples=200, deadline=None, database=None)
@given(document=st.dictionaries(st.sampled_from(KEYS), documents, max_size=4))
def test_a_random_document_of_rule_keys_parses_or_says_what_is_wrong(document: dict[str, Any]) -> None:
    text = yaml.safe_dump(document, allow_unicode=True)
    assert_clear(outcome_of({"rules/random.yaml": text}), "rules/random.yaml")


def test_a_yaml_tag_that_would_run_code_is_refused_as_data() -> None:
    text = "strategies: !!python/object/apply:os.system ['echo owned > /dev/null']\n"
    result = outcome_of({"rules/tagged.yaml": text})
    assert isinstance(result, RuleSetError)
    assert "rules/tagged.yaml" in str(result)
