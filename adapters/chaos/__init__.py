"""`routing-engine chaos`: faults, crashes and replicas against the emulator; one table of what held.

The run starts the Shopify emulator and `replicas` service processes (`routing-engine serve`) behind
a round-robin balancer (in this process, as a load balancer would sit in front of them), places
`orders` orders, injects Admin API faults after `faults_percent` of them (5xx, a hang past the
client timeout, a dropped connection, THROTTLED, an answer lost after the write landed), SIGKILLs a
replica `kills` times at random moments (when a random share of the orders has been decided) and
starts it again, then waits for the inbox to drain. Webhooks the emulator gave up on while no
replica answered are delivered again, as Shopify retries for hours.

What the table counts:
- duplicate writes: the same mutation with the same variables twice in the emulator's log;
- lost deliveries: webhooks the service acknowledged (2xx) that are not in its inbox, plus
  deliveries left pending (dead letters, failed for a reason and kept, are counted apart);
- double decisions: one order state (the decision fingerprint) decided twice, by any two workers
  of any replicas; also counted apart (not a target): a decision recorded while an earlier one of
  the same order still had writes outstanding (its worker was cut short).
Targets: every order decided, 0 lost, 0 duplicate writes, 0 double decisions.
"""

from adapters.chaos.command import run_chaos_command
from adapters.chaos.report import FAULT_KINDS, ChaosPlan, ChaosReport
from adapters.chaos.run import run_chaos
from adapters.chaos.stack import fresh_postgres_database

__all__ = [
    "FAULT_KINDS",
    "ChaosPlan",
    "ChaosReport",
    "fresh_postgres_database",
    "run_chaos",
    "run_chaos_command",
]
