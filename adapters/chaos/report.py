"""What a chaos run is asked to do (`ChaosPlan`) and what it measured (`ChaosReport`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# Emulator fault → how the table names it.
FAULT_KINDS = {
    "http_500_next": "HTTP 5xx",
    "delay_next_seconds": "hang past the client timeout",
    "drop_connection_next": "dropped connection",
    "throttle_next": "THROTTLED",
    "lose_answer_next": "answer lost after the write",
}


@dataclass(frozen=True)
class ChaosPlan:
    """What to run. `database_url` None: one SQLite file in the work directory."""

    orders: int = 2000
    faults_percent: float = 10.0
    kills: int = 10
    replicas: int = 1
    database_url: str | None = None
    seed: int = 7
    workers: int = 4
    client_timeout_seconds: float = 2.0  # ROUTING_SHOPIFY_TIMEOUT_SECONDS; hangs outlast it
    lease_seconds: float = 10.0  # five client timeouts: a hang does not cost the lease
    drain_timeout_seconds: float = 3600.0
    webhook_senders: int = 16  # the emulator's webhooks in flight at once (Shopify sends concurrently)


@dataclass
class ChaosReport:
    """The measured outcome of one run."""

    orders: int
    faults: Counter[str]
    kills: int
    replicas: int
    database: str
    decided: int = 0
    duplicate_writes: int = 0
    refused_writes: int = 0
    lost_deliveries: int = 0
    double_decisions: int = 0
    over_unfinished: int = 0
    redelivered: int = 0
    dead_letters: int = 0
    drain_seconds: float = 0.0
    details: list[str] = field(default_factory=list)

    def targets_met(self) -> bool:
        """Every order decided, nothing lost, nothing written twice, no order decided twice at once."""
        return (
            self.decided == self.orders
            and self.lost_deliveries == 0
            and self.duplicate_writes == 0
            and self.double_decisions == 0
        )

    def table(self) -> str:
        """The report as one aligned two-column table."""
        faults = sum(self.faults.values())
        rows: list[tuple[str, str]] = [
            ("orders", str(self.orders)),
            ("faults injected", str(faults)),
            *((f"  {label}", str(self.faults.get(kind, 0))) for kind, label in FAULT_KINDS.items()),
            ("kills (SIGKILL)", str(self.kills)),
            ("replicas", f"{self.replicas} on {self.database}"),
            ("orders decided", f"{self.decided} of {self.orders}"),
            ("duplicate writes", str(self.duplicate_writes)),
            ("refused writes (userErrors)", str(self.refused_writes)),
            ("lost deliveries", str(self.lost_deliveries)),
            ("double decisions (one order state decided twice)", str(self.double_decisions)),
            ("decided over an unfinished decision (not a target)", str(self.over_unfinished)),
            ("webhooks redelivered (replica down)", str(self.redelivered)),
            ("dead letters", str(self.dead_letters)),
            ("time to drain", f"{self.drain_seconds:.1f} s"),
            ("targets (0 lost, 0 duplicate, 0 double)", "met" if self.targets_met() else "MISSED"),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
