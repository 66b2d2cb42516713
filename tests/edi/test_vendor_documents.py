"""Documents as vendors write them (fixtures by scenario): 855, 856, 846, CSV feeds, checks and our 997s."""

from __future__ import annotations

from datetime import datetime

import pytest

from adapters.edi.acknowledgment import accepted_lines, read_855, refused_lines
from adapters.edi.checks import check, finding_from_error, rules_from_config
from adapters.edi.envelope import ControlNumbers
from adapters.edi.functional_ack import read_997, write_997, write_rejecting_997
from adapters.edi.interchange import X12Error, read_interchanges
from adapters.edi.inventory_advice import read_846, read_inventory_csv
from adapters.edi.ship_notice import read_856
from tests.edi.documents import AT, FIXTURES, TO_MOCK, fixture

VENDOR_RULES = rules_from_config(
    {"855": {"required": ["BAK", "PO1"], "codes": {"BAK02": ["AC", "AD", "AK", "RD", "RJ"]}}}
)


def test_a_partial_acceptance_separates_accepted_units_from_rejected_and_short_ones() -> None:
    [group] = read_interchanges(fixture("855-one-line-rejected-one-short.edi"))[0].groups

    ack = read_855(group.sets[0])

    assert [(line.line_number, line.accepted_quantity) for line in accepted_lines(ack)] == [(1, 10), (2, 35)]
    assert [
        (line.line_number, line.sku, line.status, line.refused_quantity) for line in refused_lines(ack)
    ] == [
        (2, "", "IQ", 65),
        (3, "SHOP-B50", "IR", 5),
    ]


def test_an_856_with_carton_levels_gives_items_their_po_through_the_parent_pointers() -> None:
    [group] = read_interchanges(fixture("856-carton-level-with-package-tracking.edi"))[0].groups

    notice = read_856(group.sets[0])

    assert (notice.shipment_id, notice.po_numbers) == ("ASN-77120", ("PO-1042",))
    assert (notice.carrier_scac, notice.carrier_name) == ("FDEG", "FedEx Ground")
    assert notice.tracking_numbers == ("00012345678901234567", "794611111111", "794622222222")
    assert [(i.po_number, i.line_number, i.vendor_item, i.sku, i.quantity) for i in notice.items] == [
        ("PO-1042", 1, "AX-100", "SHOP-AX100", 2),
        ("PO-1042", 2, "AX-200", "", 1),
    ]
    assert notice.shipped_at == datetime(2026, 11, 5, 14, 0)


def test_an_hl_naming_a_parent_that_does_not_precede_it_is_an_error_at_that_hl() -> None:
    text = fixture("856-carton-level-with-package-tracking.edi").replace("HL|4|3|I^", "HL|4|9|I^")
    [group] = read_interchanges(text)[0].groups

    with pytest.raises(X12Error, match=r"segment 11 \(HL\), element HL02: HL02 names parent '9'"):
        read_856(group.sets[0])


def test_an_846_reports_available_quantities_by_store_sku_or_vendor_item() -> None:
    [group] = read_interchanges(fixture("846-available-and-by-location.edi"))[0].groups

    advice = read_846(group.sets[0])

    assert advice.items == {"SHOP-AX100": 120, "AX-200": 12}
    assert advice.as_of == datetime(2026, 11, 5, 6, 0)


def test_a_csv_feed_is_read_and_a_bad_one_names_every_bad_line_and_keeps_nothing() -> None:
    assert read_inventory_csv((FIXTURES / "inventory-feed.csv").read_text()).items == {
        "SHOP-AX100": 120,
        "SHOP-AX200": 0,
    }
    with pytest.raises(ValueError) as raised:
        read_inventory_csv((FIXTURES / "inventory-feed-with-bad-rows.csv").read_text())
    message = str(raised.value)
    assert "line 3: quantity 'twelve' for SHOP-AX200 is not a whole number" in message
    assert "line 4: the SKU is empty" in message
    assert "line 5: SHOP-AX100 is listed twice" in message
    with pytest.raises(ValueError, match="line 1: expected the header 'sku,quantity'"):
        read_inventory_csv("item,qty\nA,1\n")


def test_an_855_failing_the_vendor_checks_gets_a_finding_and_a_rejecting_997_that_locates_it() -> None:
    [group] = read_interchanges(fixture("855-unknown-acknowledgment-type.edi"))[0].groups

    findings = check(group.sets[0], VENDOR_RULES["855"])

    assert [(f.segment_id, f.position, f.element, f.element_code, f.value) for f in findings] == [
        ("BAK", 2, 2, "7", "ZZ")
    ]
    answer = read_interchanges(write_997(group, findings, TO_MOCK, ControlNumbers(3, 4, 5), at=AT))[0]
    segments = [(s.id, s.elements) for s in answer.groups[0].sets[0].body()]
    assert segments == [
        ("AK1", ("PR", "8")),
        ("AK2", ("855", "0008")),
        ("AK3", ("BAK", "2", "", "8")),
        ("AK4", ("2", "", "7", "ZZ")),
        ("AK5", ("R", "5")),
        ("AK9", ("R", "1", "1", "0")),
    ]


def test_a_clean_855_passes_the_vendor_checks_and_is_answered_with_an_accepting_997() -> None:
    [group] = read_interchanges(fixture("855-one-line-rejected-one-short.edi"))[0].groups

    assert check(group.sets[0], VENDOR_RULES["855"]) == []
    answer = read_interchanges(write_997(group, [], TO_MOCK, ControlNumbers(3, 4, 5), at=AT))[0]
    ack = read_997(answer.groups[0].sets[0])
    assert (ack.functional_id, ack.group_control, ack.status, ack.verdict_for("0008")) == (
        "PR",
        "8",
        "A",
        "A",
    )


def test_a_missing_required_segment_is_a_finding_with_ak304_code_3() -> None:
    [group] = read_interchanges(fixture("855-one-line-rejected-one-short.edi"))[0].groups
    rules = rules_from_config({"855": {"required": ["DTM"]}})

    [finding] = check(group.sets[0], rules["855"])

    assert (finding.segment_id, finding.segment_code, finding.element) == ("DTM", "3", None)
    assert "required segment DTM is missing" in finding.message


def test_an_855_whose_segment_count_is_wrong_is_answered_with_a_997_rejecting_that_set() -> None:
    with pytest.raises(X12Error) as raised:
        read_interchanges(fixture("855-segment-count-wrong.edi"))

    answer = read_interchanges(write_rejecting_997(raised.value, TO_MOCK, ControlNumbers(3, 4, 5), at=AT))[0]
    ack = read_997(answer.groups[0].sets[0])
    assert (ack.functional_id, ack.group_control, ack.status) == ("PR", "8", "R")
    assert [(s.code, s.control, s.status, s.error_codes) for s in ack.sets] == [("855", "0008", "R", ("4",))]


def test_an_error_outside_any_group_cannot_be_answered_by_a_997_and_says_so() -> None:
    with pytest.raises(X12Error) as raised:
        read_interchanges(fixture("855-isa-one-character-short.edi"))

    with pytest.raises(ValueError, match="no functional group can be named"):
        write_rejecting_997(raised.value, TO_MOCK, ControlNumbers(3, 4, 5), at=AT)


def test_a_quantity_that_is_not_a_number_becomes_a_finding_at_its_element() -> None:
    text = fixture("855-one-line-rejected-one-short.edi").replace("ACK*IA*10*EA", "ACK*IA*ten*EA")
    [group] = read_interchanges(text)[0].groups

    with pytest.raises(X12Error, match="ACK02 must be a whole number, got 'ten'") as raised:
        read_855(group.sets[0])
    finding = finding_from_error(raised.value, group.sets[0])
    assert (finding.segment_id, finding.position, finding.element, finding.element_code) == ("ACK", 8, 2, "6")


def test_vendor_check_config_of_the_wrong_shape_is_refused_with_where_it_is_wrong() -> None:
    with pytest.raises(ValueError, match="855.codes: 'bak2' is not an element reference like BAK02"):
        rules_from_config({"855": {"codes": {"bak2": ["AC"]}}})
    with pytest.raises(ValueError, match="855: unknown keys \\['require'\\]"):
        rules_from_config({"855": {"require": ["BAK"]}})
