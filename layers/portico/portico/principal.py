"""Who is asking, as the portal knows them: the contact behind the token's `sub`, the account
they act in and their roles there.

One key read per request (the contact item carries its memberships), cached in the function
for at most PRINCIPAL_CACHE_SECONDS (60): a disable or a role change takes effect within
that, not at token expiry. Nothing here trusts a claim the user can edit: only `sub`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from pydantic import BaseModel, ConfigDict

from portico import keys, store
from portico.access import STAFF_ROLES
from portico.errors import Forbidden, Unauthorized
from portico.settings import settings


class Membership(BaseModel):
    model_config = ConfigDict(frozen=True)

    account_id: str
    account_kind: str
    roles: tuple[str, ...]
    active: bool


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)

    contact_id: str
    email: str
    name: str
    language: str
    account_id: str
    account_kind: str
    roles: frozenset[str]
    delegated_accounts: frozenset[str] = frozenset()
    memberships: tuple[Membership, ...] = ()
    request_id: str = ""

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)


class _Cache:
    def __init__(self) -> None:
        self._items: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Any, ttl: float) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._items.get(key)
            if found and found[0] > now:
                return found[1]
        value = load()
        with self._lock:
            self._items[key] = (now + ttl, value)
        return value

    def put(self, key: str, value: Any, ttl: float, *, now: float | None = None) -> None:
        with self._lock:
            self._items[key] = ((time.monotonic() if now is None else now) + ttl, value)

    def forget(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


cache = _Cache()


def forget(contact_id: str) -> None:
    """Drop a contact from this function's cache (after a write that changes them)."""
    cache.forget(f"contact:{contact_id}")


def memberships(contact: dict[str, Any]) -> tuple[Membership, ...]:
    return tuple(
        Membership(account_id=account_id, account_kind=str(m.get("kind", "customer")),
                   roles=tuple(sorted(m.get("roles", []))), active=bool(m.get("active")))
        for account_id, m in sorted((contact.get("accounts") or {}).items()))


def _delegated(partner_account_id: str) -> frozenset[str]:
    return frozenset(i["id"] for i in store.query_all(
        index="gsi1", pk=keys.partner_accounts(partner_account_id)["gsi1pk"]))


def resolve(sub: str, *, account_id: str | None = None, request_id: str = "",
            issued_at: int | None = None) -> Principal:
    """`issued_at` is the token's `iat`: a token older than the contact's last sign-out
    everywhere, disable or role change is refused (within the cache's minute)."""
    ttl = settings().principal_cache_seconds
    contact = cache.get(f"contact:{sub}", lambda: store.get(keys.contact(sub)), ttl)
    if not contact or not contact.get("active", False):
        raise Forbidden("Your portal access is not active.")
    valid_after = contact.get("tokens_valid_after")
    # `iat` counts whole seconds, and a token of the revocation's own second is taken as
    # newer: signing in again right after signing out must work, and a token stolen earlier
    # is older than that.
    if issued_at is not None and valid_after is not None and issued_at < int(valid_after):
        raise Unauthorized("Your session has ended; sign in again.")
    acting = account_id or str(contact.get("primary_account_id", ""))
    ms = {m.account_id: m for m in memberships(contact)}
    membership = ms.get(acting)
    if membership is None or not membership.active:
        raise Forbidden("You are not a member of that account.")
    delegated: frozenset[str] = frozenset()
    if "partner" in membership.roles:
        delegated = cache.get(f"partner:{acting}", lambda: _delegated(acting), ttl)
    return Principal(
        contact_id=sub,
        email=str(contact.get("email", "")),
        name=str(contact.get("name", "")),
        language=str(contact.get("language", "en")),
        account_id=acting,
        account_kind=membership.account_kind,
        roles=frozenset(membership.roles),
        delegated_accounts=delegated,
        memberships=tuple(m for m in ms.values() if m.active),
        request_id=request_id,
    )
