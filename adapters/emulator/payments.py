"""The payment lifecycle of an order: capture what is owed, and the webhooks Shopify sends for it.

An order placed PENDING (manual payment, bank transfer) is paid with a `sale`; one placed
AUTHORIZED (manual capture) is paid by capturing its authorization. Either way the order becomes
PAID and Shopify sends `order_transactions/create` (the transaction), `orders/paid` and
`orders/updated` (the order), all for one merchant action.
"""

from __future__ import annotations

from adapters.emulator.orders import Order, Transaction
from adapters.emulator.outcomes import WebhookEvent
from adapters.emulator.rest import order_resource, transaction_resource
from adapters.emulator.state import EmulatorState, now
from adapters.emulator.store import Store


class PaymentRejected(ValueError):
    """Nothing to capture: the order is paid already (or in a state the emulator can't pay)."""


def capture_payment(
    state: EmulatorState, store: Store, order: Order
) -> tuple[Transaction, list[WebhookEvent]]:
    if order.financial_status not in ("PENDING", "AUTHORIZED"):
        raise PaymentRejected(f"order {order.name} is {order.financial_status}; nothing to capture")
    authorization = next((t for t in order.transactions if t.kind == "authorization"), None)
    stamp = now()
    transaction = Transaction(
        id=state.ids.next("OrderTransaction"),
        kind="capture" if authorization is not None else "sale",
        amount=order.total_price,
        created_at=stamp,
        parent_id=authorization.id if authorization is not None else None,
    )
    order.transactions.append(transaction)
    order.financial_status = "PAID"
    order.updated_at = stamp
    resource = order_resource(store, order)
    events = [
        WebhookEvent("order_transactions/create", transaction_resource(store, order, transaction)),
        WebhookEvent("orders/paid", resource),
        WebhookEvent("orders/updated", resource),
    ]
    return transaction, events
