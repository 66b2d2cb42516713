"""`shopify subscribe` creates one subscription per handled topic, and only the missing ones."""

from __future__ import annotations

from adapters.emulator.app_installation import installation
from adapters.emulator.server import EmulatorServer
from adapters.shopify_setup.needs import HANDLED_TOPICS, topic_enum
from adapters.shopify_setup.subscriptions import read_subscriptions, subscribe
from tests.emulator.conftest import SHOP
from tests.setup.conftest import OUR_URL, Connect, store_config


async def test_a_fresh_store_gets_every_handled_topic_subscribed_to_our_url(
    emulator: EmulatorServer, connect: Connect
) -> None:
    async with connect(store_config(emulator)) as client:
        report = await subscribe(client, OUR_URL)
        listed = await read_subscriptions(client)
    assert sorted(report.created) == sorted(HANDLED_TOPICS)
    assert report.present == [] and report.failed == [] and report.ok
    assert {(s.topic, s.uri) for s in listed} == {(topic, OUR_URL) for topic in HANDLED_TOPICS}


async def test_running_it_again_creates_nothing(emulator: EmulatorServer, connect: Connect) -> None:
    async with connect(store_config(emulator)) as client:
        await subscribe(client, OUR_URL)
        again = await subscribe(client, OUR_URL)
    assert again.created == []
    assert sorted(again.present) == sorted(HANDLED_TOPICS)
    creates = [m for m in emulator.emulator.mutations if m.mutation == "webhookSubscriptionCreate"]
    assert len(creates) == len(HANDLED_TOPICS)  # the second run sent no mutation


async def test_only_the_missing_topics_are_created_and_others_addresses_are_left_alone(
    emulator: EmulatorServer, connect: Connect
) -> None:
    async with connect(store_config(emulator)) as client:
        await subscribe(client, OUR_URL, topics=["orders/paid"])
        await subscribe(client, "https://old-host.example/hooks", topics=["orders/updated"])
        report = await subscribe(client, OUR_URL)
        listed = await read_subscriptions(client)
    assert report.present == ["orders/paid"]
    assert sorted(report.created) == sorted(HANDLED_TOPICS - {"orders/paid"})
    assert ("orders/updated", "https://old-host.example/hooks") in {(s.topic, s.uri) for s in listed}


async def test_a_subscription_shopify_refuses_is_reported_with_its_message(
    emulator: EmulatorServer, connect: Connect
) -> None:
    async with connect(store_config(emulator)) as client:
        report = await subscribe(client, "ftp://nowhere.example/hooks", topics=["orders/paid"])
    assert report.failed == [("orders/paid", "Address is invalid")]
    assert not report.ok
    assert installation(emulator.state, emulator.state.stores[SHOP]).subscriptions == []


def test_the_enum_value_sent_for_a_topic() -> None:
    assert topic_enum("order_transactions/create") == "ORDER_TRANSACTIONS_CREATE"
