"""The API's bearer tokens: a TOML file (`ROUTING_API_TOKENS_FILE`) of `[[tokens]]` tables.

```toml
[[tokens]]
name = "coordinator-eu"            # shown in logs and audit notes, never the token itself
token = "…at least 32 characters…"
scopes = ["decisions:read", "decisions:write", "inventory:read"]
stores = ["north-wind-eu.myshopify.com"]   # optional: without it the token sees every store
```

A malformed file stops start-up with a `ConfigurationError` naming the table and key. Tokens are
matched in constant time against every configured token, so the time of an answer does not tell
how much of a guess was right, nor which token it was close to.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from adapters.settings import ConfigurationError, read_tables

MIN_TOKEN_LENGTH = 32
SCOPES = frozenset(
    {
        "decisions:read",
        "decisions:write",
        "inventory:read",
        "dead_letters:read",
        "dead_letters:write",
        "handoffs:read",
        "handoffs:write",
    }
)
_SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ApiToken(BaseModel):
    """One `[[tokens]]` table: who, the secret, what it may do, and which stores it sees."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    token: SecretStr
    scopes: frozenset[str] = Field(min_length=1)
    stores: frozenset[str] | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"{value!r}: use 1-64 letters, digits, '.', '_' or '-'")
        return value

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"at least {MIN_TOKEN_LENGTH} characters; generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        return value

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(value - SCOPES)
        if unknown:
            raise ValueError(f"unknown scope(s) {unknown}; known scopes: {sorted(SCOPES)}")
        return value

    @field_validator("stores")
    @classmethod
    def _shop_domains(cls, value: frozenset[str] | None) -> frozenset[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("an empty list sees no store; list shop domains, or leave `stores` out")
        bad = sorted(store for store in value if not _SHOP_DOMAIN.match(store))
        if bad:
            raise ValueError(f"{bad[0]!r} is not a shop domain; write e.g. my-shop.myshopify.com")
        return value

    def sees(self, store: str) -> bool:
        """Whether this token may see `store`."""
        return self.stores is None or store in self.stores

    def visible(self, stores: Iterable[str]) -> list[str]:
        """The stores of `stores` this token sees, sorted."""
        return sorted(store for store in stores if self.sees(store))


class ApiTokens:
    """The configured tokens, looked up by the secret a request presents."""

    def __init__(self, tokens: Iterable[ApiToken]) -> None:
        self._tokens = tuple(tokens)
        # Digests of equal length, so that every comparison costs the same whatever was sent.
        self._digests = tuple(_digest(t.token.get_secret_value()) for t in self._tokens)

    def __len__(self) -> int:
        return len(self._tokens)

    def match(self, presented: str) -> ApiToken | None:
        """The token whose secret is `presented`, or None; compares against every token."""
        given = _digest(presented)
        found: ApiToken | None = None
        for token, digest in zip(self._tokens, self._digests, strict=True):
            if hmac.compare_digest(given, digest):
                found = token
        return found


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def load_tokens(path: Path, *, known_stores: Collection[str] | None = None) -> ApiTokens:
    """Read the tokens file; `known_stores` (the configured shops) catches a mistyped store."""
    hint = "add one per caller (name, token, scopes)"
    tables = read_tables(path, key="tokens", variable="ROUTING_API_TOKENS_FILE", hint=hint)
    tokens: list[ApiToken] = []
    for index, table in enumerate(tables):
        try:
            token = ApiToken.model_validate(table)
        except ValidationError as exc:
            raise ConfigurationError(_describe(exc, f"{path}: tokens[{index}]")) from None
        if known_stores is not None and token.stores is not None:
            strangers = sorted(token.stores - set(known_stores))
            if strangers:
                raise ConfigurationError(
                    f"{path}: tokens[{index}].stores: {strangers[0]} is not a configured store; "
                    "list only shops of ROUTING_STORES_FILE"
                )
        tokens.append(token)
    _no_duplicates(path, tokens)
    return ApiTokens(tokens)


def _no_duplicates(path: Path, tokens: list[ApiToken]) -> None:
    names = [t.name for t in tokens]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ConfigurationError(f"{path}: token name {twice[0]!r} is used twice; give each caller its own")
    secrets = [t.token.get_secret_value() for t in tokens]
    for index, secret in enumerate(secrets):
        if secret in secrets[:index]:
            raise ConfigurationError(
                f"{path}: tokens[{index}].token repeats an earlier token's secret; generate a new one"
            )


def _describe(exc: ValidationError, prefix: str) -> str:
    problems = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{prefix}.{key}: {message}")
    return "; ".join(problems)
