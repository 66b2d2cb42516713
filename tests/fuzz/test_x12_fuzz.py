"""An X12 payload, however damaged, is read or refused with an X12Error, never another exception.

Hypothesis mutates the EDI documents of `fixtures/edi/` (characters replaced, inserted, deleted,
segments dropped or repeated, delimiters swapped, payloads cut or doubled) and reads them as the
vendor inbound route does, with `read_interchanges`.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.edi.interchange import Interchange, X12Error, read_interchanges

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "edi"
DOCUMENTS = {
    path.name: path.read_text() for path in sorted([*FIXTURES.glob("*.edi"), *FIXTURES.glob("*.x12")])
}
SPECIALS = "*~^:|>\n\r\t ISAGSSTSEGEIEA0123456789\u0000\ufeff\u00e9"


def read(text: str) -> list[Interchange] | X12Error:
    try:
        return read_interchanges(text)
    except X12Error as error:
        return error


@st.composite
def damaged(draw: st.DrawFn) -> str:
    text = DOCUMENTS[draw(st.sampled_from(sorted(DOCUMENTS)))]
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "segment", "swap", "cut", "double"]))
        character = draw(st.sampled_from(SPECIALS) | st.characters())
        if action == "replace":
            text = text[:at] + character + text[at + 1 :]
        elif action == "insert":
            text = text[:at] + character + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)) :]
        elif action == "segment":  # drop or repeat one segment (segments end with ~ in the fixtures)
            parts = text.split("~")
            index = draw(st.integers(0, len(parts) - 1))
            parts[index : index + 1] = draw(st.sampled_from([[], [parts[index]] * 2]))
            text = "~".join(parts)
        elif action == "swap" and len(text) > 105:
            text = (
                text.replace(text[3], character)
                if draw(st.booleans())
                else text.replace(text[105], character)
            )
        elif action == "cut":
            text = text[:at]
        else:
            text = text + text[: draw(st.integers(0, len(text)))]
    return text


def assert_read_or_refused(result: list[Interchange] | X12Error) -> None:
    if isinstance(result, X12Error):
        assert str(result).strip(), "an X12Error says what is wrong"
    else:
        assert result, "a payload read without error holds at least one interchange"


@settings(max_examples=200, deadline=None, database=None)
@given(text=damaged())
def test_a_damaged_document_is_read_or_refused_with_an_x12_error(text: str) -> None:
    assert_read_or_refused(read(text))


@settings(max_examples=100, deadline=None, database=None)
@given(text=st.text(alphabet=st.sampled_from(SPECIALS) | st.characters(), max_size=400))
def test_arbitrary_text_is_read_or_refused_with_an_x12_error(text: str) -> None:
    assert_read_or_refused(read("ISA" + text if text[:1] == "*" else text))
