"""The whole emulated world: every store built from a scenario, plus the id allocator."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.emulator.ids import IdAllocator
from adapters.emulator.inventory import InventoryItem, InventoryLevel
from adapters.emulator.locations import Address, Location
from adapters.emulator.scenario import Scenario, ScenarioStore
from adapters.emulator.store import Store


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class EmulatorState:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.ids = IdAllocator()
        self.stores: dict[str, Store] = {}
        for spec in scenario.stores:
            self.stores[spec.domain] = self._build_store(spec)

    def store(self, domain: str) -> Store | None:
        return self.stores.get(domain)

    def _build_store(self, spec: ScenarioStore) -> Store:
        store = Store(
            domain=spec.domain,
            name=spec.name,
            currency=spec.currency,
            access_token=spec.access_token,
            client_secret=spec.client_secret,
            api_version=spec.api_version,
            maximum_available=spec.throttle.maximum_available,
            restore_rate=spec.throttle.restore_rate,
            native_ranking=[],
            next_order_number=spec.order_number_start,
            shop_id=self.ids.next("Shop"),
            timezone=spec.timezone,
        )
        for loc in spec.locations:
            address = Address(**loc.address.model_dump())
            location = Location(
                id=self.ids.next("Location"),
                name=loc.name,
                address=address,
                is_active=loc.is_active,
                fulfills_online_orders=loc.fulfills_online_orders,
            )
            store.locations[location.id] = location
        store.native_ranking = [
            ranked.id for name in spec.native_routing if (ranked := store.location_by_name(name))
        ]
        for product in spec.products:
            item = InventoryItem(
                id=self.ids.next("InventoryItem"),
                sku=product.sku,
                variant_id=self.ids.next("ProductVariant"),
                product_id=self.ids.next("Product"),
                product_title=product.title,
                vendor=product.vendor,
                product_type=product.product_type,
                price=product.price,
            )
            store.inventory.items[item.id] = item
            for name, available in product.stock.items():
                stocked_at = store.location_by_name(name)
                assert stocked_at is not None  # checked by the scenario loader
                level = InventoryLevel(item.id, stocked_at.id, available=available)
                store.inventory.levels[(item.id, stocked_at.id)] = level
        return store
