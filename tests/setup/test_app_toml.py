"""`shopify.app.toml` is a valid Shopify app configuration and asks for exactly what the code handles."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from adapters.shopify_setup.needs import HANDLED_TOPICS, REQUIRED_SCOPES, topic_enum
from adapters.shopify_setup.subscriptions import topic_name

APP_TOML = Path(__file__).resolve().parents[2] / "shopify.app.toml"


@pytest.fixture(scope="module")
def app() -> dict[str, Any]:
    return tomllib.loads(APP_TOML.read_text(encoding="utf-8"))


def test_it_has_the_keys_shopify_requires(app: dict[str, Any]) -> None:
    # Required by Shopify's app configuration reference: name, client_id, application_url, embedded.
    assert isinstance(app["name"], str) and app["name"]
    assert re.fullmatch(r"[0-9a-f]{32}", app["client_id"])
    assert app["application_url"].startswith("https://")
    assert app["embedded"] is False
    assert all(url.startswith("https://") for url in app["auth"]["redirect_urls"])


def test_the_webhook_version_is_a_stable_api_version(app: dict[str, Any]) -> None:
    assert re.fullmatch(r"\d{4}-(01|04|07|10)", app["webhooks"]["api_version"])


def test_scopes_are_one_comma_separated_string_of_exactly_what_the_engine_needs(app: dict[str, Any]) -> None:
    scopes = app["access_scopes"]["scopes"]
    assert isinstance(scopes, str) and " " not in scopes
    assert sorted(scopes.split(",")) == list(REQUIRED_SCOPES)


def test_subscribed_topics_are_the_topics_the_service_acts_on(app: dict[str, Any]) -> None:
    subscriptions = app["webhooks"]["subscriptions"]
    topics = [topic for subscription in subscriptions for topic in subscription.get("topics", [])]
    assert len(topics) == len(set(topics)), "a topic is subscribed twice (each would arrive twice)"
    assert set(topics) == HANDLED_TOPICS


def test_every_subscription_goes_to_the_webhook_route(app: dict[str, Any]) -> None:
    assert {s["uri"] for s in app["webhooks"]["subscriptions"]} == {"/webhooks/shopify"}
    assert all(
        set(s) <= {"topics", "compliance_topics", "uri", "filter", "include_fields", "name"}
        and ("topics" in s or "compliance_topics" in s)
        for s in app["webhooks"]["subscriptions"]
    )


def test_the_compliance_topics_are_the_privacy_topics_the_service_handles(app: dict[str, Any]) -> None:
    from adapters.privacy.webhooks import COMPLIANCE_TOPICS, PrivacyWebhooks

    subscriptions = app["webhooks"]["subscriptions"]
    compliance = [topic for s in subscriptions for topic in s.get("compliance_topics", [])]
    assert sorted(compliance) == ["customers/data_request", "customers/redact", "shop/redact"]
    assert set(compliance) == COMPLIANCE_TOPICS == PrivacyWebhooks.topics
    # Not API-subscribable, so `shopify subscribe` and `doctor` (both over HANDLED_TOPICS) leave them be.
    assert not COMPLIANCE_TOPICS & HANDLED_TOPICS


def test_compliance_topics_cannot_be_subscribed_by_the_admin_api(admin_schema_text: str) -> None:
    """The `WebhookSubscriptionTopic` enum has no compliance topic: only the app configuration (this
    file) or the Partner Dashboard subscribes them, which is why `shopify subscribe` skips them."""
    from adapters.privacy.webhooks import COMPLIANCE_TOPICS

    enum = re.search(r"(?ms)^enum WebhookSubscriptionTopic \{(.*?)^\}", admin_schema_text)
    assert enum is not None
    assert not {topic_enum(topic) for topic in COMPLIANCE_TOPICS} & set(
        re.findall(r"[A-Z0-9_]+", enum.group(1))
    )


def test_the_handled_topics_include_every_topic_the_code_acts_on() -> None:
    from adapters.echoes import ECHO_TOPICS
    from adapters.handoffs.follow_up import TOPICS
    from adapters.inventory_keeper import LEVEL_TOPIC
    from adapters.order_events import READERS, deciding_topics
    from adapters.processing import ROUTING_COMPLETE, acts_on
    from adapters.state_changes import StateChanges

    every_release_topic = frozenset(READERS)
    handlers = TOPICS | StateChanges.topics | {LEVEL_TOPIC}
    assert all(acts_on(topic, every_release_topic) or topic in handlers for topic in HANDLED_TOPICS)
    expected = {ROUTING_COMPLETE, *ECHO_TOPICS, *deciding_topics(every_release_topic), *handlers}
    assert expected == HANDLED_TOPICS


def test_topics_map_to_the_admin_api_enum_and_back() -> None:
    assert (
        topic_enum("fulfillment_orders/order_routing_complete") == "FULFILLMENT_ORDERS_ORDER_ROUTING_COMPLETE"
    )
    assert all(topic_name(topic_enum(topic)) == topic for topic in HANDLED_TOPICS)
    assert topic_name("APP_UNINSTALLED") == "APP_UNINSTALLED"
    with pytest.raises(ValueError, match="not a webhook topic"):
        topic_enum("orders paid")


def test_every_topic_exists_in_the_admin_schema(admin_schema_text: str) -> None:
    enum = re.search(r"(?ms)^enum WebhookSubscriptionTopic \{(.*?)^\}", admin_schema_text)
    assert enum is not None
    values = set(re.findall(r"^\s+([A-Z0-9_]+)\s*$", re.sub(r'(?s)""".*?"""', "", enum.group(1)), re.M))
    assert {topic_enum(topic) for topic in HANDLED_TOPICS} <= values
