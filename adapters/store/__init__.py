"""Durable state in SQL: the inbox, the decision log with its outbox, order locks, location load."""

from adapters.store.database import create_engine, migrate, session_factory
from adapters.store.decision_log import DecisionLog, StoredDecision, StoredIntent
from adapters.store.inbox import Delivery, Inbox, NewDelivery
from adapters.store.location_load import LocationLoad, load_day, placed_locations
from adapters.store.locks import OrderLocks

__all__ = [
    "DecisionLog",
    "Delivery",
    "Inbox",
    "LocationLoad",
    "NewDelivery",
    "OrderLocks",
    "StoredDecision",
    "StoredIntent",
    "create_engine",
    "load_day",
    "migrate",
    "placed_locations",
    "session_factory",
]
