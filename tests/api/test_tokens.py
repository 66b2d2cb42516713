"""The tokens file: who may call the API, with which scopes, for which stores; mistakes stop start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.api.tokens import load_tokens
from adapters.settings import ConfigurationError
from tests.api.conftest import COORDINATOR, EU, EU_ONLY, TOKENS_DIR, US, WRONG

STORES = [US, EU]


def test_a_presented_secret_finds_its_token_with_its_scopes_and_stores() -> None:
    tokens = load_tokens(TOKENS_DIR / "coordinator_eu_reader_and_handoffs_only.toml", known_stores=STORES)
    assert len(tokens) == 4
    coordinator, eu_only = tokens.match(COORDINATOR), tokens.match(EU_ONLY)
    assert coordinator is not None and coordinator.name == "coordinator" and coordinator.stores is None
    assert coordinator.sees(US) and coordinator.sees(EU)
    assert eu_only is not None and eu_only.stores == frozenset({EU})
    assert not eu_only.sees(US) and eu_only.visible(STORES) == [EU]
    assert tokens.match(WRONG) is None and tokens.match("") is None


def test_a_token_never_shows_its_secret_when_printed() -> None:
    tokens = load_tokens(TOKENS_DIR / "coordinator_eu_reader_and_handoffs_only.toml")
    token = tokens.match(COORDINATOR)
    assert token is not None and COORDINATOR not in repr(token) and COORDINATOR not in str(token)


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("token_too_short.toml", "tokens[0].token: at least 32 characters"),
        ("unknown_scope.toml", "tokens[0].scopes: unknown scope(s) ['decision:read']; known scopes:"),
        (
            "store_not_configured.toml",
            "tokens[0].stores: north-wind-uk.myshopify.com is not a configured store",
        ),
        ("same_name_twice.toml", "token name 'coordinator' is used twice"),
        ("same_secret_twice.toml", "tokens[1].token repeats an earlier token's secret"),
        ("unknown_key.toml", "tokens[0].expires: Extra inputs are not permitted"),
        ("not_toml.toml", "is not valid TOML"),
    ],
)
def test_a_malformed_tokens_file_names_the_table_the_key_and_what_to_write(
    scenario: str, expected: str
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_tokens(TOKENS_DIR / scenario, known_stores=STORES)
    assert expected in str(raised.value)
    assert "0123456789abcdef" not in str(raised.value)  # no secret of the file in the message


def test_a_missing_file_says_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ROUTING_API_TOKENS_FILE: .* does not exist"):
        load_tokens(tmp_path / "tokens.toml")


def test_a_file_without_tokens_asks_for_a_table(tmp_path: Path) -> None:
    empty = tmp_path / "tokens.toml"
    empty.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"no \[\[tokens\]\] table"):
        load_tokens(empty)


def test_an_empty_store_list_is_refused_rather_than_seeing_nothing(tmp_path: Path) -> None:
    file = tmp_path / "tokens.toml"
    file.write_text(
        '[[tokens]]\nname = "x"\ntoken = "x-token-0123456789abcdef0123456789ab"\n'
        'scopes = ["decisions:read"]\nstores = []\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigurationError, match="tokens\\[0\\].stores: an empty list sees no store"):
        load_tokens(file)
