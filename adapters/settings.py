"""Configuration: one `Settings` (environment variables prefixed `ROUTING_`) plus a stores file.

Secrets are `SecretStr`: they print as `**********` in logs, errors and reprs. A missing or
malformed setting stops start-up with a `ConfigurationError` that names the key.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ADMIN_API_URL = "https://{domain}/admin/api/{api_version}/graphql.json"
_API_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
MIN_ADMIN_TOKEN_LENGTH = 16
MIN_EVENTS_SECRET_LENGTH = 32
_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message names the key and what to write."""


def _check_api_version(value: str) -> str:
    if not _API_VERSION.match(value):
        raise ValueError(f"{value!r} is not a Shopify API version; write YYYY-MM, e.g. 2026-10")
    return value


class StandInConfig(BaseModel):
    """A location of this store that stands for a location of another store (a hand-off target).

    Lines the rules place at the other store's `location` move here in this store, and `store`
    ships them; the stand-in's `available` is kept in step with the real location's.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    store: str
    location: str  # name or GID in `store`
    stand_in: str  # name or GID in this store

    @field_validator("store")
    @classmethod
    def _domain_is_myshopify(cls, value: str) -> str:
        if not _SHOP_DOMAIN.match(value):
            raise ValueError(f"{value!r} is not a shop domain; write e.g. my-shop.myshopify.com")
        return value


class StoreConfig(BaseModel):
    """One Shopify store (a `[[stores]]` table of the stores file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    domain: str
    access_token: SecretStr
    client_secrets: tuple[SecretStr, ...] = Field(min_length=1)
    admin_api_url: str | None = None
    api_version: str | None = None
    # Hand-offs to other stores: their locations' stand-ins here, and who makes the other store
    # ship: the engine (`linked_order`: an order it creates there) or the coordination service.
    stand_ins: tuple[StandInConfig, ...] = ()
    handoff_mode: Literal["linked_order", "coordinator"] = "linked_order"

    @field_validator("domain")
    @classmethod
    def _domain_is_myshopify(cls, value: str) -> str:
        if not _SHOP_DOMAIN.match(value):
            raise ValueError(f"{value!r} is not a shop domain; write e.g. my-shop.myshopify.com")
        return value

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        return None if value is None else _check_api_version(value)

    def graphql_url(self, default_api_version: str) -> str:
        version = self.api_version or default_api_version
        return (self.admin_api_url or DEFAULT_ADMIN_API_URL).format(domain=self.domain, api_version=version)


class Settings(BaseSettings):
    """Every knob of the service. Environment variables: ROUTING_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ROUTING_", extra="ignore", frozen=True)

    database_url: str = "sqlite+aiosqlite:///./routing-engine.db"
    rules_dir: Path = Path("./rules")
    stores_file: Path | None = None
    api_version: str = "2026-10"
    workers: int = Field(default=4, ge=1, le=64)
    lease_seconds: float = Field(default=30.0, gt=0)
    # SIGTERM: how long in-flight deliveries may take to finish before they are cut short and released.
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    max_webhook_bytes: int = Field(default=1024 * 1024, gt=0)
    shopify_timeout_seconds: float = Field(default=10.0, gt=0)
    # Rule changes while serving (see adapters.rule_reload): 0 turns the file watch off.
    rules_poll_seconds: float = Field(default=2.0, ge=0)
    rules_check_timeout_seconds: float = Field(default=10.0, gt=0)
    # Reconciliation of lost webhooks (see adapters.reconcile): 0 turns it off.
    reconcile_seconds: float = Field(default=300.0, ge=0)
    # Bearer token of the admin routes (POST /admin/rules/reload); unset, they answer 404.
    admin_token: SecretStr | None = None
    # Drop-ship vendors (see adapters.vendors): their X12 identities, locations and transports.
    vendors_file: Path | None = None
    # How often overdue purchase orders are looked for and unsent documents sent again.
    edi_sweep_seconds: float = Field(default=30.0, gt=0)
    # Bearer tokens of the coordination service's API (/api/v1, see adapters.api), with scopes.
    api_tokens_file: Path | None = None

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        return _check_api_version(value)

    @field_validator("admin_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_ADMIN_TOKEN_LENGTH:
            raise ValueError(
                f"at least {MIN_ADMIN_TOKEN_LENGTH} characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return value

    # Signed events for the coordination service (see adapters.events): where they are POSTed, the
    # shared secret of their HMAC signature, and the longest wait between two attempts at one event.
    events_url: str | None = None
    events_secret: SecretStr | None = Field(default=None, validate_default=True)
    events_max_backoff_seconds: float = Field(default=300.0, gt=0)

    @field_validator("events_url")
    @classmethod
    def _events_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(
                f"{value[:80]!r} is not an http(s) URL; write e.g. https://coordinator.example/events"
            )
        return value

    @field_validator("events_secret")
    @classmethod
    def _events_secret_long_enough(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # An event its receiver cannot verify is worse than none: a URL needs its secret.
        if value is None and info.data.get("events_url") is not None:
            raise ValueError(
                "required when ROUTING_EVENTS_URL is set (events are signed); set both or neither"
            )
        if value is not None and len(value.get_secret_value()) < MIN_EVENTS_SECRET_LENGTH:
            raise ValueError(
                f"at least {MIN_EVENTS_SECRET_LENGTH} characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return value

    # Shadow mode (see adapters.shadow): a second rule set decides beside the live one, never writes.
    shadow_rules_dir: Path | None = None
    # The inventory view of the API (see adapters.inventory_keeper): how often the SKUs it holds are
    # read again (0 turns the re-reads off; webhooks still update it), and the age past which a
    # cached figure is marked stale.
    inventory_refresh_seconds: float = Field(default=300.0, ge=0)
    inventory_stale_seconds: float = Field(default=900.0, gt=0)
    # Log lines (see adapters.logs): JSON, text, or auto (text when stderr is a terminal, else JSON).
    log_format: Literal["json", "text", "auto"] = "auto"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build Settings from the environment (or `environ`), translating errors to our own."""
    try:
        if environ is None:
            return Settings()
        fields = {
            key.removeprefix("ROUTING_").lower(): value
            for key, value in environ.items()
            if key.startswith("ROUTING_")
        }
        return Settings.model_validate(fields)
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc, prefix="ROUTING_")) from None


def read_tables(path: Path, *, key: str, variable: str, hint: str) -> list[Any]:
    """The `[[key]]` tables of a TOML configuration file; errors name the variable, the file and
    what to write (the stores, vendors and API tokens files all read this way)."""
    where = f"{variable}: {path}"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigurationError(
            f"{where} does not exist; create it or point the variable elsewhere"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{where} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{where} is not UTF-8 text; save it as UTF-8") from None
    unknown = sorted(set(raw) - {key})
    if unknown:
        raise ConfigurationError(f"{path}: unknown top-level key(s) {unknown}; only [[{key}]] tables")
    tables = raw.get(key)
    if not isinstance(tables, list) or not tables:
        raise ConfigurationError(f"{path}: no [[{key}]] table; {hint}")
    return tables


def load_stores(path: Path) -> tuple[StoreConfig, ...]:
    """Read the stores file (TOML, one `[[stores]]` table per shop)."""
    tables = read_tables(
        path, key="stores", variable="ROUTING_STORES_FILE", hint="add one per shop (domain, access_token, …)"
    )
    stores = []
    for index, table in enumerate(tables):
        try:
            stores.append(StoreConfig.model_validate(table))
        except ValidationError as exc:
            raise ConfigurationError(_describe(exc, prefix=f"{path}: stores[{index}].")) from None
    domains = [store.domain for store in stores]
    duplicates = sorted({d for d in domains if domains.count(d) > 1})
    if duplicates:
        raise ConfigurationError(f"{path}: store {duplicates[0]} is listed twice; keep one table per shop")
    for index, store in enumerate(stores):
        for entry in store.stand_ins:
            if entry.store not in domains or entry.store == store.domain:
                raise ConfigurationError(
                    f"{path}: stores[{index}].stand_ins: {entry.store} is not another store of this file; "
                    "a stand-in stands for a location of one of the other [[stores]]"
                )
    return tuple(stores)


def _describe(exc: ValidationError, *, prefix: str) -> str:
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        name = f"{prefix}{key.upper()}" if prefix == "ROUTING_" else f"{prefix}{key}"
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{name}: {message}")
    return "; ".join(problems)
