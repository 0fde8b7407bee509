"""Who an announcement reaches: everyone, people with some roles, or some accounts' people.
Read a page at a time: an announcement to everyone is delivered over several invocations
(each carries on from where the last stopped)."""

from __future__ import annotations

from typing import Any

from portico import keys, store

PAGE = 100


def _roles(contact: dict[str, Any]) -> set[str]:
    return {r for a in (contact.get("accounts") or {}).values() if a.get("active")
            for r in a.get("roles", [])}


def page(audience: dict[str, Any], cursor: str | None) -> tuple[list[str], str | None]:
    """Contact ids of one page of the audience, and where the next page starts."""
    kind = audience.get("kind")
    if kind == "accounts":
        # The cursor names the account to go on with, then its members' page.
        accounts = [str(a) for a in audience.get("account_ids", [])]
        index, _, inner = (cursor or "0|").partition("|")
        i = int(index) if index.isdigit() else 0
        if i >= len(accounts):
            return [], None
        members, nxt = store.query_page(keys.account(accounts[i])["pk"],
                                        sk_prefix=keys.MEMBER_PREFIX, limit=PAGE,
                                        cursor=inner or None)
        ids = [str(m["contact_id"]) for m in members if m.get("active")]
        if nxt:
            return ids, f"{i}|{nxt}"
        return ids, (f"{i + 1}|" if i + 1 < len(accounts) else None)
    contacts, nxt = store.query_page(keys.ALL_CONTACTS, index="gsi2", limit=PAGE,
                                     cursor=cursor)
    wanted = set(audience.get("roles", [])) if kind == "roles" else None
    ids = [str(c["id"]) for c in contacts if c.get("active", True)
           and (wanted is None or _roles(c) & wanted)]
    return ids, nxt
