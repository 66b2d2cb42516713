"""Rules change while the service runs: checked in a child process, then served, or refused.

A rule change is picked up by the file watch or `POST /admin/rules/reload`. Whatever is wrong
with it (errors in the files, a child that hangs and is killed, a child that crashes), the old
rule set keeps serving and `/readyz` says what was rejected, when and why.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from adapters.app import Runtime, create_app
from adapters.loopback import serve_on_loopback
from adapters.rule_check import RuleChecker
from adapters.rule_files import RuleCheckFailed
from adapters.settings import Settings, StoreConfig
from engine import parse_ruleset

from .support import ONE_STRATEGY, US, hazard_checker, rules_dir

TOKEN = "a-long-enough-admin-token"
CHICAGO_FIRST = ONE_STRATEGY.replace("[Newark DC, Chicago DC]", "[Chicago DC, Newark DC]")
MISSPELT = ONE_STRATEGY.replace("locations:", "locaitons:")


class Service:
    def __init__(self, runtime: Runtime, http: httpx.AsyncClient, rules: Path) -> None:
        self.runtime = runtime
        self.http = http
        self.rules = rules

    @property
    def version(self) -> str:
        return self.runtime.ruleset.version

    def write(self, text: str) -> None:
        (self.rules / "routing.yaml").write_text(text)

    async def reload(self, token: str | None = TOKEN) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.http.post("/admin/rules/reload", headers=headers)

    async def readiness(self) -> dict[str, Any]:
        response = await self.http.get("/readyz")
        assert response.status_code == 200
        body: dict[str, Any] = response.json()
        return body


def version_of(text: str, rules: Path) -> str:
    return parse_ruleset({str(rules / "routing.yaml"): text}).version


@contextlib.asynccontextmanager
async def running(
    tmp_path: Path, *, checker: RuleChecker | None = None, **settings: Any
) -> AsyncIterator[Service]:
    rules = rules_dir(tmp_path)
    options: dict[str, Any] = {"rules_poll_seconds": 0, "admin_token": SecretStr(TOKEN), **settings}
    config = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/routing.db", rules_dir=rules, **options)
    store = StoreConfig(domain=US, access_token=SecretStr("t"), client_secrets=(SecretStr("s"),))
    app = create_app(config, stores=(store,), checker=checker)
    async with serve_on_loopback(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield Service(app.state.runtime, http, rules)


async def eventually(check: Callable[[], bool | Awaitable[bool]], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if outcome if isinstance(outcome, bool) else await outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting {timeout:.0f}s for {what}")
        await asyncio.sleep(0.05)


# --- the file watch ---------------------------------------------------------------------------


async def test_an_edited_rule_file_is_served_without_a_restart(tmp_path: Path) -> None:
    async with running(tmp_path, rules_poll_seconds=0.05) as service:
        before = service.version
        service.write(CHICAGO_FIRST)
        new = version_of(CHICAGO_FIRST, service.rules)
        await eventually(lambda: service.version == new, "the new rule set")
        assert new != before
        assert (await service.readiness())["checks"]["rules"] == f"loaded {new}"


async def test_a_bad_edit_keeps_the_old_rules_serving_and_shows_in_readyz(tmp_path: Path) -> None:
    async with running(tmp_path, rules_poll_seconds=0.05) as service:
        before = service.version
        service.write(MISSPELT)
        await eventually(lambda: service.runtime.rules.rejection is not None, "the rejection")
        assert service.version == before
        ready = await service.readiness()
        line = ready["checks"]["rules"]
        assert line.startswith(f"loaded {before}; rejected files ") and ready["ready"] is True
        assert "2 errors in the rule files: " in line  # and the first of them
        issues = ready["rules"]["rejected"]["issues"]
        misspelt = (
            f"{service.rules}/routing.yaml:5:5: strategy us-first: unknown key `locaitons` in a strategy; "
        )
        assert any(issue.startswith(misspelt + "did you mean `locations`?") for issue in issues)
        service.write(CHICAGO_FIRST)  # the fix clears the rejection
        await eventually(lambda: service.version != before, "the fixed rule set")
        assert (await service.readiness())["checks"]["rules"] == f"loaded {service.version}"


async def test_a_rule_set_that_hangs_durable_rules_is_killed_and_never_served(tmp_path: Path) -> None:
    async with running(
        tmp_path, checker=hazard_checker(timeout_seconds=1.0), rules_poll_seconds=0.05
    ) as service:
        before = service.version
        service.write(CHICAGO_FIRST + "# hazard: hang\n")
        await eventually(lambda: service.runtime.rules.rejection is not None, "the rejection")
        assert service.version == before
        assert "did not finish within 1 s and was killed" in (await service.readiness())["checks"]["rules"]


# --- the reload endpoint ----------------------------------------------------------------------


async def test_reload_serves_the_files_as_they_are_now(tmp_path: Path) -> None:
    async with running(tmp_path) as service:
        before = service.version
        service.write(CHICAGO_FIRST)
        assert service.version == before  # no watch in these tests: only the endpoint reloads
        response = await service.reload()
        new = version_of(CHICAGO_FIRST, service.rules)
        assert response.status_code == 200
        assert response.json() == {"result": "reloaded", "previous": before, "serving": new}
        assert service.version == new
        again = await service.reload()
        assert again.json() == {"result": "unchanged", "previous": new, "serving": new}


@pytest.mark.parametrize(
    ("token", "status"),
    [(None, 401), ("not-the-admin-token-at-all", 403), (TOKEN[:-1], 403), (TOKEN + "x", 403)],
)
async def test_reload_without_the_right_token_is_refused_and_changes_nothing(
    tmp_path: Path, token: str | None, status: int
) -> None:
    async with running(tmp_path) as service:
        before = service.version
        service.write(CHICAGO_FIRST)
        response = await service.reload(token)
        assert response.status_code == status
        assert service.version == before
        if status == 401:
            assert response.headers["www-authenticate"].startswith("Bearer")


async def test_without_an_admin_token_configured_the_reload_route_does_not_exist(tmp_path: Path) -> None:
    async with running(tmp_path, admin_token=None) as service:
        service.write(CHICAGO_FIRST)
        for token in (None, TOKEN, ""):
            response = await service.reload(token)
            assert (response.status_code, response.text) == (404, "Not Found")
        assert (await service.http.post("/no/such/route")).text == "Not Found"


async def test_reload_of_a_bad_rule_file_answers_422_and_the_old_rules_serve(tmp_path: Path) -> None:
    async with running(tmp_path) as service:
        before = service.version
        service.write(MISSPELT)
        response = await service.reload()
        assert response.status_code == 422
        body = response.json()
        assert (body["result"], body["serving"]) == ("rejected", before)
        assert any("routing.yaml:5:5" in issue for issue in body["rejected"]["issues"])
        assert service.version == before


async def test_a_hanging_check_is_killed_at_the_timeout_while_the_service_keeps_answering(
    tmp_path: Path,
) -> None:
    async with running(tmp_path, checker=hazard_checker(timeout_seconds=1.5)) as service:
        before = service.version
        service.write(CHICAGO_FIRST + "# hazard: hang\n")
        started = time.monotonic()
        reload = asyncio.create_task(service.reload())
        await asyncio.sleep(0.3)
        assert not reload.done()
        assert (await service.http.get("/healthz")).status_code == 200  # the loop is not blocked
        response = await reload
        assert 1.5 <= time.monotonic() - started < 10
        assert response.status_code == 422
        assert "did not finish within 1.5 s and was killed" in response.json()["rejected"]["reason"]
        assert service.version == before
        service.write(CHICAGO_FIRST)  # a good change afterwards is served as usual
        assert (await service.reload()).json()["result"] == "reloaded"


async def test_a_crashing_check_is_reported_and_the_old_rules_serve(tmp_path: Path) -> None:
    async with running(tmp_path, checker=hazard_checker()) as service:
        before = service.version
        service.write(CHICAGO_FIRST + "# hazard: crash\n")
        response = await service.reload()
        assert response.status_code == 422
        assert response.json()["rejected"]["reason"].startswith("the check crashed (SIG")
        assert service.version == before
        assert "; rejected files " in (await service.readiness())["checks"]["rules"]


# --- start-up ---------------------------------------------------------------------------------


def test_start_up_checks_the_rules_in_a_child_so_a_hanging_rule_set_cannot_hang_it(tmp_path: Path) -> None:
    rules = rules_dir(tmp_path, ONE_STRATEGY + "# hazard: hang\n")
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/r.db", rules_dir=rules)
    store = StoreConfig(domain=US, access_token=SecretStr("t"), client_secrets=(SecretStr("s"),))
    started = time.monotonic()
    with pytest.raises(RuleCheckFailed, match="did not finish within 1 s"):
        create_app(settings, stores=(store,), checker=hazard_checker(timeout_seconds=1.0))
    assert time.monotonic() - started < 10
