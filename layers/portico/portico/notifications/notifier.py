"""The notifier's work for one domain event: decide who hears of it, store each reader's
notification once, mail those who want mail (at once, or into tomorrow's digest), and
update open pages' badges.

Delivered twice, an event changes nothing the second time: a reader's notification has
an id made of the event's and the reader's, and its mail is marked sent in the table. A
mail SES refuses for a while (throttling) fails the event after the others are marked, so
a retry sends only what is left; a mail it refuses for good (a rejected address) is marked
failed with the reason and not retried.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from portico import access, keys, mail, store
from portico.notifications import audience, inbox, messages, recipients
from portico.notifications.recipients import Delivery
from portico.notifications.unsubscribe import token_item
from portico.settings import settings

logger = Logger()
metrics = Metrics()

# SES answers that may pass: throttled, or a passing fault on its side or the network's.
TRANSIENT = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException",
                       "ServiceUnavailable", "InternalFailure", "RequestTimeout"})
SECTION_NAMES = {"en": {"cases": "cases", "invoices": "invoices", "bookings": "bookings",
                        "announcements": "announcements", "account": "account"},
                 "fi": {"cases": "tapaukset", "invoices": "laskut", "bookings": "varaukset",
                        "announcements": "tiedotteet", "account": "tili"}}


class MailLater(Exception):
    """SES refused some mail for now; the event is retried, sending only what is left."""


@dataclass
class Outcome:
    readers: int = 0
    stored: int = 0
    mailed: int = 0
    digested: int = 0
    failed: int = 0
    more: str | None = None  # an announcement's next audience page


def _brand() -> str:
    from portico.invoices.pdf import brand

    return brand().name


def _site_link(path: str, language: str) -> str:
    prefix = "/fi" if language == "fi" else ""
    return f"{settings().site_url}{prefix}{path}"


def deliveries(event: dict[str, Any], cursor: str | None) -> tuple[list[Delivery], str | None]:
    if event["type"] == "AnnouncementPublished":
        data = event["data"]
        found = store.get(keys.announcement(str(data.get("announcement_id", "")))) or {}
        ids, more = audience.page(data.get("audience") or {"kind": "all"}, cursor)
        ctx = {"title": data.get("title") or found.get("title", ""),
               "body": found.get("body", "")}
        by_mail = "email" in (data.get("channels") or [])
        return [Delivery(c, "announcements", "AnnouncementPublished", "/notifications/",
                         ctx, mail=by_mail) for c in ids], more
    return recipients.of(event), None


def _is_staff(contact: dict[str, Any]) -> bool:
    return any(r in access.STAFF_ROLES for a in (contact.get("accounts") or {}).values()
               if a.get("active") for r in a.get("roles", []))


def handle(event: dict[str, Any], *, cursor: str | None = None) -> Outcome:
    wanted, more = deliveries(event, cursor)
    out = Outcome(more=more)
    contacts = {str(c["id"]): c for c in store.batch_get(
        [keys.contact(cid) for cid in dict.fromkeys(d.contact_id for d in wanted)])}
    # An internal note's words never reach a customer, whatever a rule said.
    wanted = [d for d in wanted if d.contact_id in contacts
              and contacts[d.contact_id].get("active", True)
              and (not d.staff_only or _is_staff(contacts[d.contact_id]))]
    out.readers = len(wanted)
    if not wanted:
        return out
    have = {str(i["contact_id"]): i for i in store.batch_get(
        [keys.notification(d.contact_id, inbox.notification_id(event, d.contact_id))
         for d in wanted])}
    new, digests = [], []
    today = datetime.now(UTC).date().isoformat()
    for d in wanted:
        if d.contact_id in have:
            continue
        contact = contacts[d.contact_id]
        language = str(contact.get("language") or "en")
        title, body = messages.render(d.type, language, recipients.localize(d, language))
        prefs = (contact.get("notification_preferences") or {}).get(d.section) or {}
        wants_mail = d.mail and bool(prefs.get("email", True)) and bool(contact.get("email"))
        how = "off" if not wants_mail else ("digest" if prefs.get("digest") else "pending")
        nid = inbox.notification_id(event, d.contact_id)
        note = inbox.item(d.contact_id, nid, section=d.section, type_=d.type, title=title,
                          body=body, link=d.link, event_id=str(event["id"]), mail=how)
        new.append(note)
        if how == "digest":
            digests.append({**keys.digest_entry(today, d.contact_id, note["created_at"], nid),
                            "type": "DigestEntry", "contact_id": d.contact_id, "id": nid,
                            "title": title, "body": body, "link": d.link,
                            "expires_at": int(time.time()) + 7 * 86400})
    if new:
        inbox.store_new(event, new, digests)
    out.stored, out.digested = len(new), len(digests)
    pending = [n for n in [*new, *have.values()] if n.get("mail") == "pending"]
    later = _mail(event, pending, contacts, out)
    _push(sorted({str(n["contact_id"]) for n in new}))
    if later:
        raise MailLater(f"{later} mail(s) refused for now; retried")
    return out


def _mail(event: dict[str, Any], pending: Sequence[dict[str, Any]],
          contacts: dict[str, dict[str, Any]], out: Outcome) -> int:
    """Send the pending mails; mark what was sent or failed for good. How many wait."""
    marked: list[tuple[str, str, str]] = []
    tokens: list[dict[str, Any]] = []
    later = 0
    for n in pending:
        contact = contacts[str(n["contact_id"])]
        language = str(contact.get("language") or "en")
        token = secrets.token_urlsafe(24)
        try:
            mail.send(str(contact["email"]), "notification", language,
                      who=str(contact.get("name") or ""), title=n["title"], body=n["body"],
                      link=_site_link(str(n["link"]), language), brand=_brand(),
                      section_name=SECTION_NAMES.get(language, SECTION_NAMES["en"])
                      .get(str(n["section"]), str(n["section"])),
                      unsubscribe=_site_link(f"/unsubscribe/?token={token}", language))
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code", "ClientError"))
            if code in TRANSIENT:
                later += 1
                continue
            reason = f"failed: {code}"
            out.failed += 1
            logger.warning("notification mail refused", extra={"reason": code,
                                                               "event_id": event["id"]})
            metrics.add_metric(name="MailNotSent", unit=MetricUnit.Count, value=1)
        except BotoCoreError:
            later += 1
            continue
        else:
            reason = "sent"
            out.mailed += 1
            tokens.append(token_item(token, str(n["contact_id"]), str(n["section"])))
        marked.append((str(n["contact_id"]), str(n["id"]), reason))
    if marked:
        inbox.mark_mailed(event, marked, tokens)
    return later


def _push(contact_ids: Sequence[str]) -> None:
    """Tell open pages of these readers their new counts; a page that misses it polls."""
    if not contact_ids:
        return
    try:
        from portico.notifications import live
    except ImportError:  # the live channel is optional; pages poll without it
        return
    for cid in contact_ids:
        try:
            live.push([cid], {"type": "summary",
                              "summary": inbox.summary(cid).model_dump()})
        except Exception:  # a badge is never worth a failed delivery
            logger.exception("live push failed")


def yesterday() -> str:
    return (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
