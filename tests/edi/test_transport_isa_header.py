"""read_isa_header: the sender and control number read from the fixed-width ISA alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.edi.transport import IsaHeader, NotX12Error, read_isa_header

ORDER = (Path(__file__).parents[2] / "fixtures/edi/transport-acme-purchase-order-1042.x12").read_text()


def test_the_sender_receiver_and_control_number_come_from_isa05_to_isa08_and_isa13() -> None:
    assert read_isa_header(ORDER) == IsaHeader("ZZ", "ACME", "ZZ", "MOCKEDI", "000000101")


def test_any_element_separator_the_interchange_declares_is_read() -> None:
    piped = ORDER.replace("*", "|").replace(">~", "^~")

    assert read_isa_header(piped).control_number == "000000101"


def test_a_byte_order_mark_and_leading_blank_lines_are_skipped() -> None:
    assert read_isa_header("\ufeff\r\n" + ORDER).sender_id == "ACME"


def test_an_isa_whose_ids_are_not_padded_to_fixed_width_is_refused_with_the_rule() -> None:
    unpadded = ORDER.replace("ACME           ", "ACME") + "X" * 11

    with pytest.raises(NotX12Error, match="ISA06 and ISA08 are 15 characters, padded with spaces"):
        read_isa_header(unpadded)


def test_a_document_that_is_not_x12_says_how_it_begins() -> None:
    with pytest.raises(NotX12Error, match=r"must begin with 'ISA', it begins with 'UNB\+UNOC:3\+SENDER:ZZ'"):
        read_isa_header("UNB+UNOC:3+SENDER:ZZ+RECEIVER:ZZ+261127:0700+1'")
