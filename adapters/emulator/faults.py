"""Fault injection for the Admin API endpoint: throttles, 500s, delays and dropped connections.

`drop_connection_next` drops the connection before the request runs; `lose_answer_next` lets the
next *mutation* run (it lands, its webhooks go out) and then drops the connection, as when an
answer is lost on the way back; queries before it are answered.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass
class Faults:
    throttle_next: int = 0
    http_500_next: int = 0
    drop_connection_next: int = 0
    lose_answer_next: int = 0
    delay_next: int = 0
    delay_seconds: float = 0.0

    def configure(self, body: dict[str, Any]) -> None:
        known = {
            "throttle_next",
            "http_500_next",
            "drop_connection_next",
            "lose_answer_next",
            "delay_next_seconds",
            "count",
        }
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown fault(s): {sorted(unknown)}; known: {sorted(known)}")
        self.throttle_next += int(body.get("throttle_next", 0))
        self.http_500_next += int(body.get("http_500_next", 0))
        self.drop_connection_next += int(body.get("drop_connection_next", 0))
        self.lose_answer_next += int(body.get("lose_answer_next", 0))
        if "delay_next_seconds" in body:
            self.delay_seconds = float(body["delay_next_seconds"])
            self.delay_next += int(body.get("count", 1))

    def take(self, name: str) -> bool:
        """Consume one pending fault of this kind."""
        pending: int = getattr(self, name)
        if pending > 0:
            setattr(self, name, pending - 1)
            return True
        return False

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def clear(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default)
