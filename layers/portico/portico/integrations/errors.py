"""How an inbound event fails: for good, or for now."""

from __future__ import annotations


class Rejected(Exception):
    """An event that can never apply (unknown, invalid, naming what it may not): parked on
    the dead-letter queue with this reason, not retried."""


class NotYet(Exception):
    """An event that may apply later (what it names has not arrived yet, a concurrent
    change won): retried by the queue, then parked with this reason."""
