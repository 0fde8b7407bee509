"""The rules of the case desk, held as data: categories with their custom fields, service
levels per priority, routing rules, queues and the status machine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from portico import keys

FieldType = Literal["string", "number", "choice", "boolean"]


@dataclass(frozen=True)
class CustomField:
    name: str
    type: FieldType
    required: bool = False
    options: tuple[str, ...] = ()
    max_length: int = 200


@dataclass(frozen=True)
class Category:
    id: str
    fields: tuple[CustomField, ...] = field(default_factory=tuple)


CATEGORIES: dict[str, Category] = {c.id: c for c in (
    Category("general"),
    Category("billing", (
        CustomField("invoice_number", "string", required=True, max_length=40),
        CustomField("amount_disputed", "number"),
    )),
    Category("technical", (
        CustomField("product", "choice", required=True,
                    options=("portal", "integration", "mobile")),
        CustomField("environment", "choice", options=("production", "test")),
        CustomField("blocking", "boolean"),
    )),
)}

# Roles whose cases are of some categories only: the billing role opens billing cases. A
# principal with another role that opens cases opens any category.
ROLE_CATEGORIES: dict[str, frozenset[str]] = {"billing": frozenset({"billing"})}

PRIORITIES = ("low", "normal", "high", "urgent")


@dataclass(frozen=True)
class ServiceLevel:
    first_response: timedelta
    resolution: timedelta


SERVICE_LEVELS: dict[str, ServiceLevel] = {
    "urgent": ServiceLevel(timedelta(hours=1), timedelta(hours=8)),
    "high": ServiceLevel(timedelta(hours=4), timedelta(hours=24)),
    "normal": ServiceLevel(timedelta(hours=8), timedelta(days=3)),
    "low": ServiceLevel(timedelta(hours=24), timedelta(days=5)),
}

QUEUES = ("support", "billing", "priority", "premium")


@dataclass(frozen=True)
class RoutingRule:
    """First match wins; an attribute left None matches anything."""

    queue: str
    category: str | None = None
    priority: str | None = None
    tier: str | None = None


ROUTING: tuple[RoutingRule, ...] = (
    RoutingRule("priority", priority="urgent"),
    RoutingRule("billing", category="billing"),
    RoutingRule("premium", tier="premium"),
    RoutingRule("support"),
)

STATUSES = ("new", "in_progress", "waiting_on_customer", "resolved", "closed")
OPEN = keys.OPEN_STATUSES  # one definition: the case lists' keys are built on it

# Which status may follow which, for staff.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("in_progress", "waiting_on_customer", "resolved", "closed"),
    "in_progress": ("waiting_on_customer", "resolved", "closed"),
    "waiting_on_customer": ("in_progress", "resolved", "closed"),
    "resolved": ("in_progress", "closed"),
    "closed": ("in_progress",),
}
# Customers may close their case, and reopen it for this long after it was resolved.
REOPEN_WINDOW = timedelta(days=14)

ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
ATTACHMENT_TYPES = frozenset({
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain",
    "text/csv", "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
})


def route(category: str, priority: str, tier: str) -> str:
    for rule in ROUTING:
        if ((rule.category in (None, category)) and (rule.priority in (None, priority))
                and (rule.tier in (None, tier))):
            return rule.queue
    return QUEUES[0]
