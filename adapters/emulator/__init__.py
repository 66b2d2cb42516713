"""A local Shopify emulator: the Admin GraphQL subset the engine uses, webhooks and a control API."""

from adapters.emulator.scenario import Scenario, ScenarioError, load_scenario
from adapters.emulator.server import EmulatorServer

__all__ = ["EmulatorServer", "Scenario", "ScenarioError", "load_scenario"]
