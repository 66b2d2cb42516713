"""GraphQL nodes -> model: the fields rules read about money, channel, payment and products."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.shopify.mapping import map_line, map_order, product_type, unit_price


def summary(quantity: int, amount: str) -> dict[str, Any]:
    return {"quantity": quantity, "approximateDiscountedUnitPriceSet": {"shopMoney": {"amount": amount}}}


class TestUnitPrice:
    def test_one_summary_is_the_unit_price(self) -> None:
        assert unit_price([summary(3, "15.00")]) == 15.0

    def test_several_summaries_are_weighed_by_their_quantities(self) -> None:
        # Two units at 10.00 and one discounted to 7.00: 27.00 over three units.
        assert unit_price([summary(2, "10.00"), summary(1, "7.00")]) == 9.0

    def test_summaries_without_quantities_count_once_each(self) -> None:
        assert unit_price([summary(0, "10.00"), summary(0, "6.00")]) == 8.0

    @pytest.mark.parametrize("summaries", [None, []])
    def test_no_summary_means_unknown(self, summaries: list[dict[str, Any]] | None) -> None:
        assert unit_price(summaries) is None

    def test_decimal_amounts_are_read_exactly(self) -> None:
        assert unit_price([summary(3, "0.10"), summary(7, "0.10")]) == 0.1


class TestProductType:
    @pytest.mark.parametrize(
        ("line", "expected"),
        [
            ({"variant": {"product": {"productType": "Lighting"}}}, "Lighting"),
            ({"variant": {"product": {"productType": ""}}}, None),  # Shopify's "not set"
            ({"variant": None}, None),  # the variant was deleted
            ({}, None),  # not selected (lighter reads)
        ],
    )
    def test_reads_the_variants_product_type(self, line: dict[str, Any], expected: str | None) -> None:
        assert product_type(line) == expected


def test_a_line_without_the_new_selections_maps_to_unknowns() -> None:
    line = map_line(
        {"id": "gid://shopify/FulfillmentOrderLineItem/1", "remainingQuantity": 1, "totalQuantity": 1}
    )
    assert (line.product_type, line.unit_price) == (None, None)


class TestOrder:
    def test_maps_value_channel_payment_and_customer_tags(self) -> None:
        order = map_order(
            {
                "id": "gid://shopify/Order/1",
                "sourceName": "pos",
                "displayFinancialStatus": "PARTIALLY_PAID",
                "totalPriceSet": {"shopMoney": {"amount": "1049.5", "currencyCode": "CAD"}},
                "customer": {"tags": ["b2b", "net-30"]},
            }
        )
        assert (order.total_price, order.currency) == (1049.5, "CAD")
        assert (order.sales_channel, order.financial_status) == ("pos", "PARTIALLY_PAID")
        assert order.customer_tags == frozenset({"b2b", "net-30"})

    def test_a_guest_checkout_has_no_customer_tags(self) -> None:
        order = map_order({"id": "gid://shopify/Order/1", "customer": None, "displayFinancialStatus": None})
        assert order.customer_tags == frozenset()
        assert (order.total_price, order.currency, order.financial_status) == (None, None, None)
