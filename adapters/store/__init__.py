"""Durable state in SQL: the inbox, the decision log with its outbox, and order locks."""

from adapters.store.database import create_engine, migrate, session_factory
from adapters.store.decision_log import DecisionLog, StoredDecision, StoredIntent
from adapters.store.inbox import Delivery, Inbox, NewDelivery
from adapters.store.locks import OrderLocks

__all__ = [
    "DecisionLog",
    "Delivery",
    "Inbox",
    "NewDelivery",
    "OrderLocks",
    "StoredDecision",
    "StoredIntent",
    "create_engine",
    "migrate",
    "session_factory",
]
