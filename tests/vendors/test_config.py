"""The vendors file: two vendors read whole, and each mistake stops start-up with an error that
names the file, the table, the vendor and the key, and says what to write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.settings import ConfigurationError
from adapters.vendors import HttpTransport, MailboxTransport, load_vendors

FIXTURE = Path(__file__).parents[2] / "fixtures" / "vendors" / "acme-and-globex.toml"


def test_the_example_file_describes_acme_over_http_and_globex_through_a_mailbox() -> None:
    acme, globex = load_vendors(FIXTURE)
    assert (acme.id, acme.isa_qualifier, acme.isa_id, acme.gs_code) == (
        "acme",
        "ZZ",
        "ACMESUPPLY",
        "ACMESUPPLY",
    )
    assert (acme.our_isa_id, acme.version, acme.usage) == ("NORTHWIND", "004010", "T")
    assert acme.location_for("north-wind-ca.myshopify.com") == "gid://shopify/Location/9001"
    assert acme.vendor_item("NW-TENT-2P") == "ACM-77120" and acme.vendor_item("NW-OTHER") == "NW-OTHER"
    assert acme.window.total_seconds() == 4 * 3600 and acme.sends_cancellation
    assert isinstance(acme.transport, HttpTransport) and acme.transport.timeout_seconds == 15
    assert acme.transport.auth_header is not None and "secret" not in repr(acme)
    assert acme.checks["855"].codes["BAK02"] == ("AC", "AD", "AK", "RD", "RJ")
    assert acme.checks["856"].required == ("BSN", "HL", "TD5", "REF")
    assert (globex.usage, globex.sends_cancellation, globex.acceptance_window) == ("P", False, 1440)
    assert isinstance(globex.transport, MailboxTransport)
    assert globex.transport.inbox_dir == FIXTURE.parent / "mailboxes" / "globex" / "inbox"
    assert globex.inventory.boundaries == (0, 5, 20) and globex.inventory.reconcile_minutes == 60


def test_a_quantity_is_written_only_when_it_crosses_a_boundary() -> None:
    inventory = load_vendors(FIXTURE)[0].inventory
    assert inventory.crosses(1, 0)  # running out
    assert inventory.crosses(0, 3)  # back in stock
    assert inventory.crosses(5, 6) and inventory.crosses(21, 20)
    assert not inventory.crosses(6, 19) and not inventory.crosses(30, 21) and not inventory.crosses(2, 4)


VENDOR = """
[[vendors]]
id = "acme"
name = "Acme Supply"
isa_qualifier = "ZZ"
isa_id = "ACMESUPPLY"
gs_code = "ACMESUPPLY"
our_isa_qualifier = "ZZ"
our_isa_id = "NORTHWIND"
our_gs_code = "NORTHWIND"
inbound_token = "acme-inbound-token-0123456789"
locations = { "north-wind-us.myshopify.com" = "Acme Drop-ship" }
transport = { kind = "http", url = "https://edi.acme.example/inbound" }
"""
GLOBEX = (
    VENDOR.replace('"acme"', '"globex"')
    .replace("acme-inbound", "globex-inbound")
    .replace('"ACMESUPPLY"', '"GLOBEX"')
    .replace("Acme Supply", "Globex Outdoor")
)


def load(tmp_path: Path, text: str) -> str:
    path = tmp_path / "vendors.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError) as raised:
        load_vendors(path)
    message = str(raised.value)
    assert str(path) in message
    return message


def test_a_minimal_vendor_takes_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "vendors.toml"
    path.write_text(VENDOR + GLOBEX, encoding="utf-8")
    acme, _ = load_vendors(path)
    assert (acme.version, acme.usage, acme.acceptance_window, acme.sends_cancellation) == (
        "004010",
        "P",
        240,
        False,
    )
    assert acme.sku_map == {} and acme.checks == {} and acme.inventory.boundaries == (0, 5, 20)


@pytest.mark.parametrize(
    ("mistake", "expected"),
    [
        (
            ('id = "acme"', 'id = "Acme Supply"'),
            r"vendors\[0\] \(Acme Supply\)\.id: 'Acme Supply' is not a slug; write lower-case",
        ),
        (
            ('isa_id = "ACMESUPPLY"', 'isa_id = "ACMESUPPLYCOMPANY"'),
            r"vendors\[0\] \(acme\)\.isa_id: .* 1 to 15",
        ),
        (('isa_qualifier = "ZZ"', 'isa_qualifier = "Z"'), r"\.isa_qualifier: 'Z' is not an ISA qualifier"),
        (('gs_code = "ACMESUPPLY"', 'gs_code = "A"'), r"\.gs_code: 'A': a GS application code has 2 to 15"),
        (
            ('name = "Acme Supply"', 'name = "Acme Supply"\nversion = "4010"'),
            r"\.version: '4010' is not an X12",
        ),
        (
            ('name = "Acme Supply"', 'name = "Acme Supply"\nusage = "X"'),
            r"\.usage: Input should be 'T' or 'P'",
        ),
        (
            ('"north-wind-us.myshopify.com" = "Acme Drop-ship"', ""),
            r"\.locations: no location; add one per store",
        ),
        (
            ('"north-wind-us.myshopify.com"', '"north-wind-us"'),
            r"\.locations: 'north-wind-us' is not a shop domain",
        ),
        (
            ('"acme-inbound-token-0123456789"', '"short"'),
            r"\.inbound_token: at least 16 characters; generate",
        ),
        (
            ('name = "Acme Supply"', 'name = "Acme Supply"\nacceptance_window = 0'),
            r"\.acceptance_window: .*0",
        ),
        (('name = "Acme Supply"', 'name = "Acme Supply"\ncolour = "red"'), r"\.colour: Extra inputs"),
        (('kind = "http"', 'kind = "ftp"'), r"\.transport: .*'http', 'mailbox'"),
        (
            ("https://edi.acme.example/inbound", "edi.acme.example"),
            r"\.transport\.http\.url: .*http\(s\) URL",
        ),
        (
            (
                'kind = "http", url = "https://edi.acme.example/inbound"',
                'kind = "mailbox", outbox_dir = "x", inbox_dir = "x"',
            ),
            r"\.transport\.mailbox: .*the same folder; give each its own",
        ),
        (('our_isa_id = "NORTHWIND"', 'our_isa_id = "ACMESUPPLY"'), r"ISA identity ZZ/ACMESUPPLY is our own"),
        (
            ('name = "Acme Supply"', 'name = "Acme Supply"\nchecks = { "855" = { required = ["bak"] } }'),
            r"\.checks\.855\.required: \['bak'\] are not segment ids",
        ),
        (
            (
                'name = "Acme Supply"',
                'name = "Acme Supply"\nchecks = { "855" = { codes = { BAK = ["AC"] } } }',
            ),
            r"\.checks\.855\.codes: \['BAK'\] are not element references; write segment id \+ position",
        ),
        (
            ('name = "Acme Supply"', 'name = "Acme Supply"\nchecks = { "999" = { required = ["BAK"] } }'),
            r"\.checks\.999\.\[key\]: Input should be '850', '855'",
        ),
        (
            ('name = "Acme Supply"', 'name = "Acme Supply"\ninventory = { boundaries = [5, 0] }'),
            r"\.inventory\.boundaries: \[5, 0\]: boundaries are distinct, non-negative and ascending",
        ),
        (('isa_id = "ACMESUPPLY"\n', ""), r"vendors\[0\] \(acme\)\.isa_id: Field required"),
    ],
)
def test_a_mistake_in_a_vendor_table_names_the_table_and_key(
    tmp_path: Path, mistake: tuple[str, str], expected: str
) -> None:
    wrong, right = mistake
    assert wrong in VENDOR
    assert re.search(expected, load(tmp_path, VENDOR.replace(wrong, right, 1) + GLOBEX))


def test_the_second_tables_mistake_names_the_second_table(tmp_path: Path) -> None:
    message = load(tmp_path, VENDOR + GLOBEX.replace('isa_id = "GLOBEX"', 'isa_id = ""'))
    assert "vendors[1] (globex).isa_id: '': an ISA id has 1 to 15 X12 characters" in message


def test_two_vendors_with_one_id_are_refused(tmp_path: Path) -> None:
    twin = GLOBEX.replace('id = "globex"', 'id = "acme"')
    message = load(tmp_path, VENDOR + twin)
    assert (
        "vendors[1] (acme): id 'acme' is already used by vendors[0] (acme); give each vendor its own id"
        in message
    )


def test_two_vendors_with_one_isa_identity_are_refused(tmp_path: Path) -> None:
    message = load(tmp_path, VENDOR + GLOBEX.replace('isa_id = "GLOBEX"', 'isa_id = "ACMESUPPLY"'))
    assert "vendors[1] (globex): ISA identity ZZ/ACMESUPPLY is already used by vendors[0] (acme)" in message


def test_two_vendors_with_one_inbound_token_are_refused(tmp_path: Path) -> None:
    message = load(tmp_path, VENDOR + GLOBEX.replace("globex-inbound", "acme-inbound"))
    assert "vendors[1] (globex): inbound_token is already used by vendors[0] (acme)" in message
    assert "acme-inbound-token" not in message  # the secret itself is never printed


def test_a_file_without_vendors_or_with_other_tables_is_refused(tmp_path: Path) -> None:
    assert "no [[vendors]] table; add one per vendor" in load(tmp_path, "")
    assert "unknown top-level key(s) ['stores']; only [[vendors]] tables" in load(
        tmp_path, VENDOR + "[[stores]]\n"
    )


def test_a_missing_or_broken_file_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ROUTING_VENDORS_FILE: .* does not exist; create it"):
        load_vendors(tmp_path / "absent.toml")
    assert "ROUTING_VENDORS_FILE" in load(tmp_path, "[[vendors]\n") and "is not valid TOML" in load(
        tmp_path, "x ="
    )
