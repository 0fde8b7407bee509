"""Stopping one kind of notification mail from the mail itself, without signing in.

Each mail carries a fresh token; only its hash is stored, naming the contact and the
section, for a year. Using it turns that section's e-mail off in the contact's
preferences (a change like any other, audited as the contact's own)."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from portico import audit, change, keys, principal, store
from portico.access import Owner
from portico.errors import NotFound
from portico.events import Actor
from portico.notifications import models

KEEP_SECONDS = 365 * 86400


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_item(token: str, contact_id: str, section: str) -> dict[str, Any]:
    return {**keys.unsubscribe_token(_hash(token)), "type": "UnsubscribeToken",
            "contact_id": contact_id, "section": section,
            "expires_at": int(time.time()) + KEEP_SECONDS}


def use(body: models.Unsubscribe, *, request_id: str) -> models.Unsubscribed:
    found = store.get(keys.unsubscribe_token(_hash(body.token)), consistent=True)
    if found is None or int(found.get("expires_at", 0)) < time.time():
        raise NotFound("This link is not valid any more; change your e-mail settings on "
                       "your profile instead.")
    contact_id, section = str(found["contact_id"]), str(found["section"])
    contact = store.get(keys.contact(contact_id), consistent=True)
    if contact is None:
        raise NotFound("This link is not valid any more.")
    prefs = dict(contact.get("notification_preferences") or {})
    before = dict(prefs.get(section) or {"email": True, "digest": False})
    if before.get("email") is False:
        return models.Unsubscribed(section=section, email=False)  # type: ignore[arg-type]
    after = {**before, "email": False}
    c = change.system("contact", contact_id,
                      Owner(str(contact.get("primary_account_id") or ""), contact_id),
                      request_id=request_id, actor=Actor(type="contact", id=contact_id))
    c.update(keys.contact(contact_id),
             set_={("notification_preferences", section): after},
             condition="attribute_exists(pk)")
    c.audit("unsubscribe", audit.changes({section: before}, {section: after}, (section,)))
    c.event("ContactUpdated", {"contact_id": contact_id,
                               "fields": ["notification_preferences"]})
    c.commit()
    principal.forget(contact_id)
    return models.Unsubscribed(section=section, email=False)  # type: ignore[arg-type]
