"""Configuration: defaults, the stores file, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.settings import ConfigurationError, load_settings, load_stores


def test_defaults_match_the_documented_contract() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite+aiosqlite:///./routing-engine.db"
    assert settings.rules_dir == Path("./rules")
    assert settings.api_version == "2026-10"
    assert settings.stores_file is None


def test_a_malformed_setting_names_its_key() -> None:
    with pytest.raises(ConfigurationError, match="ROUTING_API_VERSION"):
        load_settings({"ROUTING_API_VERSION": "latest"})
    with pytest.raises(ConfigurationError, match="ROUTING_WORKERS"):
        load_settings({"ROUTING_WORKERS": "many"})


def test_the_stores_file_gives_each_store_its_url_and_secrets(tmp_path: Path) -> None:
    path = tmp_path / "stores.toml"
    path.write_text(
        """
[[stores]]
domain = "north-wind-us.myshopify.com"
access_token = "shpat_us"
client_secrets = ["old", "new"]

[[stores]]
domain = "north-wind-ca.myshopify.com"
access_token = "shpat_ca"
client_secrets = ["ca"]
admin_api_url = "http://127.0.0.1:9000/stores/{domain}/admin/api/{api_version}/graphql.json"
api_version = "2026-07"
"""
    )
    us, ca = load_stores(path)
    assert us.graphql_url("2026-10") == "https://north-wind-us.myshopify.com/admin/api/2026-10/graphql.json"
    assert ca.graphql_url("2026-10") == (
        "http://127.0.0.1:9000/stores/north-wind-ca.myshopify.com/admin/api/2026-07/graphql.json"
    )
    assert [s.get_secret_value() for s in us.client_secrets] == ["old", "new"]


def test_secrets_never_show_in_a_store_repr(tmp_path: Path) -> None:
    path = tmp_path / "stores.toml"
    path.write_text(
        '[[stores]]\ndomain = "a.myshopify.com"\naccess_token = "shpat_secret"\nclient_secrets = ["s3cr3t"]\n'
    )
    (store,) = load_stores(path)
    assert "shpat_secret" not in repr(store) and "s3cr3t" not in repr(store)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not toml [", "not valid TOML"),
        ("", "no [[stores]] table"),
        ('[[stores]]\ndomain = "a.myshopify.com"\naccess_token = "t"\n', "stores[0].client_secrets"),
        (
            '[[stores]]\ndomain = "shop.example.com"\naccess_token = "t"\nclient_secrets = ["s"]\n',
            "stores[0].domain",
        ),
        (
            '[[stores]]\ndomain = "a.myshopify.com"\naccess_token = "t"\nclient_secrets = []\n',
            "client_secrets",
        ),
        (
            '[[stores]]\ndomain = "a.myshopify.com"\naccess_token = "t"\n'
            'client_secrets = ["s"]\ncolour = 1\n',
            "colour",
        ),
        ('[stores]\ndomain = "a.myshopify.com"\n', "no [[stores]] table"),
    ],
)
def test_a_malformed_stores_file_is_refused_with_the_place(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "stores.toml"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=expected.replace("[", r"\[").replace("]", r"\]")):
        load_stores(path)


def test_a_missing_stores_file_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ROUTING_STORES_FILE"):
        load_stores(tmp_path / "absent.toml")
