"""What a mutation produces: its payload objects, userErrors and the webhooks it triggers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class UserError:
    message: str
    field: list[str] | None = None
    code: str | None = None
    element_index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "message": self.message,
            "code": self.code,
            "elementIndex": self.element_index,
        }


@dataclass(frozen=True)
class WebhookEvent:
    topic: str
    payload: dict[str, Any]


@dataclass
class Outcome:
    """`objects` holds the payload's named results (domain objects, not views)."""

    objects: dict[str, Any] = field(default_factory=dict)
    user_errors: list[UserError] = field(default_factory=list)
    events: list[WebhookEvent] = field(default_factory=list)

    @classmethod
    def failed(cls, *errors: UserError) -> Outcome:
        return cls(user_errors=list(errors))
