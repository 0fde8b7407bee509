"""Rate limits on what sends e-mail or costs money, answered with 429 and Retry-After.

Counters live in the table (one item per subject and window, expiring by TTL), so a limit
holds across every Lambda instance. Windows are fixed (an hour starting on the hour): cheap,
one conditional update per request; at a window's edge a sender may get up to twice the
limit within a few minutes, which is still a bound.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from portico import keys, store
from portico.errors import TooManyRequests
from portico.settings import settings


@dataclass(frozen=True)
class Limit:
    name: str
    most: int
    window_seconds: int
    what: str  # for the message: "invitations to this address"




def subject(value: str) -> str:
    """A counter's subject without the personal data in it (e-mail addresses)."""
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def take(limit: Limit, who: str, *, now: float | None = None) -> None:
    """Count one more for `who`, or refuse with 429 when the window's count is spent."""
    t = time.time() if now is None else now
    start = int(t // limit.window_seconds) * limit.window_seconds
    end = start + limit.window_seconds
    counted = store.count(keys.rate_limit(limit.name, who, start), most=limit.most,
                          expires_at=end + 60)
    if not counted:
        raise TooManyRequests(f"Too many {limit.what}; try again later.",
                              retry_after=max(1, int(end - t)))


def invitations_per_address() -> Limit:
    return Limit("invitation-address", settings().invitations_per_address_hour, 3600,
                 "invitations to this address")


def invitations_per_account() -> Limit:
    return Limit("invitation-account", settings().invitations_per_account_hour, 3600,
                 "invitations from this account")


def invitations(account_id: str, email: str) -> None:
    """An invitation mail: by default at most 10 an hour to one address and 50 an hour
    from one account (INVITATIONS_PER_*_HOUR in template.yaml)."""
    take(invitations_per_address(), subject(email))
    take(invitations_per_account(), account_id)
