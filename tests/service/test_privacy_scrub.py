"""What counts as a customer's personal data in a Shopify payload, and what a redaction keeps."""

from __future__ import annotations

from adapters.privacy.scrub import scrub_payload, scrub_snapshot, scrub_x12


def test_a_payload_keeps_ids_lines_and_the_coarse_destination_only() -> None:
    order = {
        "id": 820982911946154508,
        "name": "#9999",
        "email": "jon@example.com",
        "phone": "+1 555 0100",
        "note": "leave it with Mrs Smith at no. 4",
        "browser_ip": "203.0.113.7",
        "client_details": {"browser_ip": "203.0.113.7", "user_agent": "x"},
        "customer": {
            "id": 115310627314723954,
            "email": "jon@example.com",
            "first_name": "Jon",
            "tags": "vip",
        },
        "billing_address": {"name": "Jon Doe", "address1": "1 Main St", "zip": "10013", "country_code": "US"},
        "shipping_address": {
            "last_name": "Doe",
            "city": "New York",
            "province_code": "NY",
            "country_code": "US",
        },
        "line_items": [{"id": 1, "sku": "NW-0005", "quantity": 2, "name": "Tent"}],
        "fulfillments": [{"destination": {"address1": "1 Main St", "country_code": "US"}}],
    }
    assert scrub_payload(order) == {
        "id": 820982911946154508,
        "name": "#9999",
        "email": None,
        "phone": None,
        "note": None,
        "browser_ip": None,
        "client_details": None,
        "customer": {"id": 115310627314723954},
        "billing_address": {"country_code": "US"},
        "shipping_address": {"province_code": "NY", "country_code": "US"},
        "line_items": [{"id": 1, "sku": "NW-0005", "quantity": 2, "name": "Tent"}],
        "fulfillments": [{"destination": {"country_code": "US"}}],
    }


def test_a_snapshot_keeps_its_shape_so_the_decision_still_reads() -> None:
    address = {
        "country_code": "US",
        "province_code": "NY",
        "city": "New York",
        "zip": "10013",
        "latitude": 40.7,
    }
    snapshot = {
        "store": "s",
        "order": {"id": "o", "shipping_address": address, "customer_tags": ["vip"]},
        "fulfillment_orders": [{"id": "fo", "destination": address}, {"id": "fo2"}],
    }
    coarse = {"country_code": "US", "province_code": "NY", "city": None, "zip": None, "latitude": None}
    assert scrub_snapshot(snapshot) == {
        "store": "s",
        "order": {"id": "o", "shipping_address": coarse, "customer_tags": []},
        "fulfillment_orders": [{"id": "fo", "destination": coarse}, {"id": "fo2"}],
    }


def test_only_the_ship_to_loop_of_an_x12_document_is_redacted() -> None:
    isa = (
        "ISA*00*          *00*          *ZZ*VENDOR         *ZZ*NORTHWIND      "
        "*261127*0900*U*00401*000000007*0*T*>~"
    )
    assert len(isa) == 106
    body = (
        "N1*SF*Vendor Co~N3*9 Depot Rd~N1*ST*Jane Doe*92*C1~N3*1 Main St*Apt 2~"
        "N4*New York*NY*10013*US~PER*IC*Jane*TE*5550100~PO1*1*2*EA~"
    )
    assert scrub_x12(isa + body) == isa + (
        "N1*SF*Vendor Co~N3*9 Depot Rd~N1*ST*REDACTED*92*C1~N3*REDACTED*REDACTED~"
        "N4*REDACTED*NY*REDACTED*US~PER*IC*REDACTED*TE*REDACTED~PO1*1*2*EA~"
    )
    assert scrub_x12("not an interchange") == "not an interchange"
