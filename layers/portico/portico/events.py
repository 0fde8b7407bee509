"""The domain event envelope put on the portal's bus (schema samples in events/)."""

from __future__ import annotations

import json
import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from portico import clock

SOURCE = "portico"


class Actor(BaseModel):
    """Who caused the event: a contact acting in the portal, an integration or the system."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: Literal["contact", "integration", "system"]
    id: str | None = None


SYSTEM = Actor(type="system")


class Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    type: str = Field(pattern=r"^[A-Z][A-Za-z]+$")
    version: int = Field(default=1, ge=1)
    occurred_at: str = Field(default_factory=clock.stamp)
    actor: Actor
    account_id: str | None
    data: dict[str, Any]

    def to_json(self) -> str:
        return self.model_dump_json()


class Relayed(BaseModel):
    """A back-office system's event taken in by the portal (its signed webhook) and put on
    the bus as the system would have put it: its own source, type and detail."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    source: str = Field(pattern=r"^integration\.[a-z][a-z0-9-]{0,31}$")
    type: str = Field(pattern=r"^[A-Z][A-Za-z]+$")
    detail: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(self.detail, default=str, separators=(",", ":"))
