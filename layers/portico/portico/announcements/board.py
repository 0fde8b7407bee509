"""The announcement board: admins publish, change and withdraw announcements; everyone
signed in sees the active ones their audience names.

Staff reach every announcement through the access table (entity `announcement`); anyone
else reads one only while it is active and its audience (everyone, some roles, some
accounts) names them: to them any other does not exist. Each announcement keeps one
window item in the `ANNOUNCEMENTS` partition keyed by its end, a copy of it: the ones not
yet ended are one query from now, filtered here by start and audience.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from portico import access, audit, change, clock, keys, store
from portico.access import Owner, Privilege
from portico.announcements import models
from portico.errors import Conflict, Invalid, NotFound
from portico.principal import Principal

R, C, U, D = Privilege.READ, Privilege.CREATE, Privilege.UPDATE, Privilege.DELETE
# Announcements are the operator's, not a customer account's.
OWNER = Owner(account_id="")
FIELDS = ("title", "body", "audience", "channels", "starts_at", "ends_at", "severity")
# Outages first, then warnings, then the rest.
RANK = {"outage": 0, "warning": 1, "info": 2}
# The partition is read from now on; an ended window item is left for TTL to remove.
WINDOW_KEPT = timedelta(days=1)


def _staff(p: Principal, privilege: Privilege = R) -> bool:
    return access.allows(p, "announcement", privilege, OWNER)


def status(item: dict[str, Any], now: str) -> models.Status:
    if item.get("withdrawn_at"):
        return "withdrawn"
    if now < item["starts_at"]:
        return "scheduled"
    return "active" if now < item["ends_at"] else "ended"


def addressed(p: Principal, audience: dict[str, Any]) -> bool:
    kind = audience.get("kind")
    if kind == "all":
        return True
    if kind == "roles":
        return bool(p.roles & set(audience.get("roles") or ()))
    return p.account_id in (audience.get("account_ids") or ())


def _visible(p: Principal, item: dict[str, Any], now: str) -> bool:
    return status(item, now) == "active" and addressed(p, item["audience"])


def out(item: dict[str, Any], p: Principal, now: str | None = None) -> models.Announcement:
    audience = dict(item["audience"])
    if audience["kind"] == "accounts" and not _staff(p):
        # Who else was told is not a customer's business: they see their own account.
        audience["account_ids"] = [a for a in audience["account_ids"] if a == p.account_id]
    return models.Announcement.model_validate({
        **{k: item.get(k) for k in models.Announcement.model_fields},
        "audience": audience, "status": status(item, now or clock.stamp())})


def _load(announcement_id: str) -> dict[str, Any]:
    item = store.get(keys.announcement(announcement_id), consistent=True)
    if item is None:
        raise NotFound("No such announcement.")
    return item


def get(p: Principal, announcement_id: str) -> models.Announcement:
    item = _load(announcement_id)
    now = clock.stamp()
    if not _staff(p) and not _visible(p, item, now):
        raise NotFound("No such announcement.")
    return out(item, p, now)


def _ordered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    newest = sorted(items, key=lambda i: (i["starts_at"], i["created_at"]), reverse=True)
    return sorted(newest, key=lambda i: RANK[i["severity"]])


def list_for(p: Principal, scope: str) -> models.AnnouncementList:
    """`active`: what the caller sees now. `all` (staff): every one not yet ended, the
    scheduled ones too, whoever they address."""
    if scope == "all" and not _staff(p):
        raise access.forbidden("announcement")
    now = clock.stamp()
    # The partition holds only what has not ended (or ended within WINDOW_KEPT): a small
    # read whatever the history.
    window = store.query_all(keys.ANNOUNCEMENTS, sk_between=(now, "~"))
    items = [i for i in window if not i.get("withdrawn_at")
             and (scope == "all" or _visible(p, i, now))]
    return models.AnnouncementList(items=[out(i, p, now) for i in _ordered(items)])


# -- writing ------------------------------------------------------------------------------
def _fields(new: models.AnnouncementIn, *, starts_at: str) -> dict[str, Any]:
    fields = new.model_dump(include=set(FIELDS))
    fields["audience"] = {k: v for k, v in fields["audience"].items() if v is not None}
    fields["starts_at"] = starts_at
    return fields


def _check(fields: dict[str, Any]) -> None:
    """The rules a body's own validation cannot see: the clock and the accounts."""
    problems = []
    start, end = clock.parse(fields["starts_at"]), clock.parse(fields["ends_at"])
    if end <= start:
        problems.append({"loc": ["body", "ends_at"],
                         "message": "ends after it starts (and after now)"})
    elif end - start > timedelta(days=models.MAX_DAYS):
        problems.append({"loc": ["body", "ends_at"],
                         "message": f"runs at most {models.MAX_DAYS} days"})
    wanted = fields["audience"].get("account_ids") or []
    found = {i["id"] for i in store.batch_get([keys.account(a) for a in set(wanted)])}
    missing = sorted(set(wanted) - found)
    if missing:
        problems.append({"loc": ["body", "audience", "account_ids"],
                         "message": f"no such account: {', '.join(missing)}"})
    if problems:
        raise Invalid("The announcement is not valid.", details=problems)


def _window(announcement_id: str, item: dict[str, Any]) -> dict[str, Any]:
    """The copy in the `ANNOUNCEMENTS` partition a list reads."""
    expires = clock.parse(item["ends_at"]) + WINDOW_KEPT
    return {**item, **keys.announcement_window(item["ends_at"], announcement_id),
            "type": "AnnouncementWindow", "expires_at": int(expires.timestamp())}


def _news(announcement_id: str, fields: dict[str, Any]) -> dict[str, Any]:
    """What the notifier needs to tell the audience, in the portal and by e-mail."""
    return {"announcement_id": announcement_id,
            **{k: fields[k] for k in ("title", "body", "severity", "audience", "channels",
                                      "starts_at", "ends_at")}}


def create(p: Principal, new: models.AnnouncementIn) -> models.Announcement:
    if not _staff(p):
        raise access.forbidden("announcement")
    announcement_id = uuid.uuid4().hex
    c = change.by(p, "announcement", announcement_id, OWNER, C)
    now = clock.stamp()
    fields = _fields(new, starts_at=max(new.starts_at, now))
    _check(fields)
    item = {**keys.announcement(announcement_id), "type": "Announcement",
            "id": announcement_id, **fields, "version": 1, "created_at": now,
            "created_by": p.contact_id, "updated_at": now}
    c.create(item)
    c.put(_window(announcement_id, {k: v for k, v in item.items() if k not in ("pk", "sk")}))
    c.event("AnnouncementPublished", _news(announcement_id, fields))
    c.audit("create", audit.changes(None, fields, FIELDS))
    c.commit()
    return out(item, p, now)


def update(p: Principal, announcement_id: str,
           new: models.AnnouncementUpdate) -> models.Announcement:
    if not _staff(p):
        raise access.forbidden("announcement")
    current = _load(announcement_id)
    c = change.by(p, "announcement", announcement_id, OWNER, U)
    if current.get("withdrawn_at"):
        raise Conflict("The announcement was withdrawn; publish a new one.")
    now = clock.stamp()
    # A start already passed stays as it was; a new one in the past means now.
    starts_at = new.starts_at if new.starts_at == current["starts_at"] else max(
        new.starts_at, now)
    fields = _fields(new, starts_at=starts_at)
    _check(fields)
    changed = audit.changes(current, fields, FIELDS)
    after = {**current, **fields, "version": new.version + 1, "updated_at": now}
    c.update(keys.announcement(announcement_id), version=new.version,
             set_={**fields, "updated_at": now})
    if current["ends_at"] != fields["ends_at"]:  # one window item: it moves with the end
        c.delete(keys.announcement_window(current["ends_at"], announcement_id))
    c.put(_window(announcement_id, {k: v for k, v in after.items() if k not in ("pk", "sk")}))
    c.event("AnnouncementUpdated", {**_news(announcement_id, fields),
                                    "fields": sorted(changed)})
    c.audit("update", changed)
    c.commit()
    return out(after, p, now)


def withdraw(p: Principal, announcement_id: str) -> None:
    """It ends now; staff still read it. Withdrawing it again changes nothing."""
    if not _staff(p):
        raise access.forbidden("announcement")
    current = _load(announcement_id)
    c = change.by(p, "announcement", announcement_id, OWNER, D)
    if current.get("withdrawn_at"):
        return
    now = clock.stamp()
    ends_at = min(current["ends_at"], now)
    c.update(keys.announcement(announcement_id), version=int(current["version"]),
             set_={"withdrawn_at": now, "ends_at": ends_at, "updated_at": now})
    c.delete(keys.announcement_window(current["ends_at"], announcement_id))
    c.event("AnnouncementWithdrawn", {"announcement_id": announcement_id,
                                      "title": current["title"],
                                      "audience": current["audience"],
                                      "withdrawn_at": now})
    c.audit("withdraw", audit.changes(current, {**current, "withdrawn_at": now,
                                                "ends_at": ends_at},
                                      ("withdrawn_at", "ends_at")))
    c.commit()
