"""X12 envelopes: what we write reads back, and broken envelopes are refused at the exact spot."""

from __future__ import annotations

import pytest

from adapters.edi.envelope import ControlNumbers, Delimiters, Envelope, Party, wrap
from adapters.edi.interchange import X12Error, read_interchanges
from tests.edi.documents import AT, TO_MOCK, fixture

BODY = [["BEG", "00", "DS", "PO-1", "", "20261102"], ["CTT", "0"]]


def test_a_written_interchange_has_a_fixed_width_isa_and_reads_back_with_its_counts_and_numbers() -> None:
    text = wrap("850", BODY, TO_MOCK, ControlNumbers(interchange=5, group=6, transaction=7), at=AT)

    assert len(text.splitlines()[0]) == 106
    [interchange] = read_interchanges(text)
    assert (interchange.sender, interchange.receiver, interchange.control) == (
        Party("ZZ", "ACME"),
        Party("ZZ", "MOCKEDI"),
        "000000005",
    )
    [group] = interchange.groups
    assert (group.functional_id, group.control, group.version) == ("PO", "6", "004010")
    [transaction] = group.sets
    assert (transaction.code, transaction.control) == ("850", "0007")
    assert [s.id for s in transaction.body()] == ["BEG", "CTT"]
    assert transaction.body()[0].get(3) == "PO-1"
    assert transaction.segments[-1].elements == ("4", "0007")


def test_a_payload_of_several_interchanges_each_with_its_own_delimiters_is_read_whole() -> None:
    pipes = Envelope(TO_MOCK.sender, TO_MOCK.receiver, delimiters=Delimiters("|", "^", ":"))
    first = wrap("850", BODY, TO_MOCK, ControlNumbers(1, 1, 1), at=AT)
    second = wrap("850", BODY, pipes, ControlNumbers(2, 2, 2), at=AT)

    interchanges = read_interchanges(first + "\r\n" + second)

    assert [i.control for i in interchanges] == ["000000001", "000000002"]
    assert interchanges[1].delimiters == Delimiters("|", "^", ":")
    assert interchanges[1].groups[0].sets[0].body()[0].get(3) == "PO-1"


def test_a_value_holding_a_delimiter_is_refused_when_writing_rather_than_corrupting_the_document() -> None:
    with pytest.raises(ValueError, match=r"BEG03 'PO\*1' contains the element separator"):
        wrap("850", [["BEG", "00", "DS", "PO*1", "", "20261102"]], TO_MOCK, ControlNumbers(1, 1, 1), at=AT)


def test_control_numbers_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="interchange control number 0 is out of range"):
        wrap("850", BODY, TO_MOCK, ControlNumbers(0, 1, 1), at=AT)


@pytest.mark.parametrize(
    ("scenario", "segment_id", "element", "problem", "ak5", "ak9"),
    [
        ("855-segment-count-wrong.edi", "SE", "SE01", "SE01 says '17' segments, set 0008 holds 16", "4", ""),
        ("855-interchange-without-iea.edi", "GE", "", "interchange 000000008 has no IEA", "", ""),
        ("855-isa-one-character-short.edi", "ISA", "", "the ISA is 105 characters long", "", ""),
    ],
)
def test_a_broken_envelope_is_an_x12_error_naming_segment_element_and_fault(
    scenario: str, segment_id: str, element: str, problem: str, ak5: str, ak9: str
) -> None:
    with pytest.raises(X12Error) as raised:
        read_interchanges(fixture(scenario))

    error = raised.value
    assert (error.segment_id, error.element, error.ak5_code, error.ak9_code) == (
        segment_id,
        element,
        ak5,
        ak9,
    )
    assert problem in str(error)
    assert error.position is not None


def test_group_and_set_trailers_that_disagree_with_their_headers_are_located() -> None:
    text = wrap("850", BODY, TO_MOCK, ControlNumbers(1, 6, 7), at=AT)

    with pytest.raises(
        X12Error, match=r"segment 6 \(SE\), element SE02: SE02 '0008' does not match ST02 '0007'"
    ):
        read_interchanges(text.replace("SE*4*0007", "SE*4*0008"))
    with pytest.raises(X12Error, match="GE02 '9' does not match GS06 '6'") as raised:
        read_interchanges(text.replace("GE*1*6", "GE*1*9"))
    assert raised.value.ak9_code == "4"
    with pytest.raises(X12Error, match="IEA02 '000000002' does not match ISA13 '000000001'"):
        read_interchanges(text.replace("IEA*1*000000001", "IEA*1*000000002"))


def test_an_empty_payload_or_one_not_starting_with_isa_is_refused() -> None:
    with pytest.raises(X12Error, match="the payload is empty"):
        read_interchanges("  \n")
    with pytest.raises(X12Error, match="every interchange must begin with ISA"):
        read_interchanges("GS*PO*ACME~")
