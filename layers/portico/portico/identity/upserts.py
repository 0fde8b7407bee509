"""Customer accounts and their people as the back office keeps them: `AccountUpserted` and
`ContactUpserted` events (source `integration.<name>`) applied to the portal's directory.

Each carries the back office's `version` of the record; an older one changes nothing. A
contact the portal does not know yet is invited (when the event asks for it): the person
chooses their password, the back office never handles one.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from portico import audit, change, keys, principal, store
from portico.access import CUSTOMER_ROLES, Owner
from portico.errors import Conflict
from portico.events import Actor
from portico.identity import directory, invitations, models
from portico.inputs import Input
from portico.integrations.errors import NotYet, Rejected

NUMBER = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
ACCOUNT_FIELDS = ("name", "tier", "language", "billing_address", "shipping_address",
                  "partner_account_id", "source_version")


class AccountUpserted(Input):
    number: Annotated[str, StringConstraints(pattern=NUMBER)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=200)]
    kind: Literal["customer", "partner"] = "customer"
    tier: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")] = "standard"
    language: Literal["en", "fi"] = "en"
    billing_address: models.Address | None = None
    shipping_address: models.Address | None = None
    partner_account_number: Annotated[str, StringConstraints(pattern=NUMBER)] | None = None
    version: int = Field(ge=1, le=2**53)


class ContactUpserted(Input):
    account_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    account_number: Annotated[str, StringConstraints(pattern=NUMBER)] | None = None
    email: models.Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=120)]
    roles: list[Literal["contact", "account_manager", "billing"]] = Field(min_length=1,
                                                                          max_length=3)
    language: Literal["en", "fi"] = "en"
    invite: bool = False
    version: int = Field(ge=1, le=2**53)

    @model_validator(mode="after")
    def _one_account(self) -> ContactUpserted:
        if (self.account_id is None) == (self.account_number is None):
            raise ValueError("give account_id or account_number, one of them")
        return self


def _account_by_number(number: str) -> dict[str, Any] | None:
    pointer = store.get(keys.account_number(number), consistent=True)
    return store.get(keys.account(str(pointer["account_id"])), consistent=True) \
        if pointer else None


def apply_account(event: AccountUpserted, *, source: str, event_id: str) -> str:
    partner_id = None
    if event.partner_account_number:
        partner = _account_by_number(event.partner_account_number)
        if partner is None:
            raise NotYet(f"no partner account {event.partner_account_number!r} (yet)")
        if partner.get("kind") != "partner":
            raise Rejected(f"account {event.partner_account_number!r} is not a partner")
        partner_id = str(partner["id"])
    actor = Actor(type="integration", id=source)
    fields: dict[str, Any] = {
        "name": event.name, "tier": event.tier, "language": event.language,
        "billing_address": event.billing_address.model_dump(exclude_none=True)
        if event.billing_address else None,
        "shipping_address": event.shipping_address.model_dump(exclude_none=True)
        if event.shipping_address else None,
        "partner_account_id": partner_id, "source_version": event.version}
    before = _account_by_number(event.number)
    if before is None:
        account_id = f"acc-{uuid.uuid4().hex[:12]}"
        item = directory.new_account(account_id=account_id, number=event.number,
                                     name=event.name, kind=event.kind, tier=event.tier,
                                     partner_account_id=partner_id)
        item.update({k: v for k, v in fields.items() if v is not None})
        try:
            directory.create_account(item, actor=actor, request_id=event_id)
        except Conflict as e:  # the same number, created by a concurrent delivery
            raise NotYet(f"account {event.number} is being created") from e
        return "created"
    if int(before.get("source_version", 0)) >= event.version:
        return "stale"
    if before.get("kind") != event.kind:
        raise Rejected(f"account {event.number} is a {before.get('kind')} account; its kind "
                       "does not change")
    account_id = str(before["id"])
    changed = audit.changes(before, fields, ACCOUNT_FIELDS)
    c = change.system("account", account_id, Owner(account_id), request_id=event_id,
                      actor=actor)
    sets: dict[Any, Any] = {**fields, **directory.listed(account_id, event.number, event.name)}
    if partner_id:
        sets.update(keys.partner_accounts(partner_id, account_id))
    else:
        sets.update({"gsi1pk": None, "gsi1sk": None})
    # `add version`: a change request reviewed against the account as it was is stale now.
    c.update(keys.account(account_id), set_=sets, add={"version": 1},
             condition="attribute_not_exists(source_version) OR source_version < :v",
             values={":v": event.version},
             conflict=Conflict("changed meanwhile"))
    c.audit("update", changed)
    c.event("AccountUpdated", {"number": event.number, "changes": {
        k: v for k, v in changed.items() if k != "source_version"}})
    try:
        c.commit()
    except Conflict as e:
        raise NotYet(f"account {event.number} changed meanwhile") from e
    return "updated"


def apply_contact(event: ContactUpserted, *, source: str, event_id: str) -> str:
    account = (store.get(keys.account(event.account_id), consistent=True) if event.account_id
               else _account_by_number(str(event.account_number)))
    if account is None:
        raise NotYet(f"no account {event.account_id or event.account_number!r} (yet)")
    if account.get("kind") != "customer" or not set(event.roles) <= CUSTOMER_ROLES:
        raise Rejected("contacts are upserted into customer accounts, with customer roles")
    account_id = str(account["id"])
    email = event.email.lower()
    member = next((m for m in store.query_all(f"ACCOUNT#{account_id}",
                                              sk_prefix=keys.MEMBER_PREFIX, limit=10_000)
                   if str(m.get("email", "")).lower() == email), None)
    actor = Actor(type="integration", id=source)
    if member is not None:
        if int(member.get("source_version", 0)) >= event.version:
            return "stale"
        c = change.system("membership", f"{account_id}/{member['contact_id']}",
                          Owner(account_id, str(member["contact_id"])), request_id=event_id,
                          actor=actor)
        after = {"roles": sorted(set(event.roles)), "active": bool(member["active"]),
                 "source_version": event.version}
        if not directory.set_member(c, member, account, after, staff=True):
            return "unchanged"
        try:
            c.commit()
        except Conflict as e:
            raise NotYet(f"contact {member['contact_id']} changed meanwhile") from e
        principal.forget(str(member["contact_id"]))
        return "updated"
    if not event.invite:
        # Portal people are people who signed in: the back office asks for the invitation.
        return "not-a-member"
    new = models.NewInvitation(email=email, roles=list(event.roles),
                               language=event.language)
    c = change.system("invitation", uuid.uuid4().hex, Owner(account_id), request_id=event_id,
                      actor=actor)
    try:
        invitations.issue(c, account, new, invited_by=None, inviter=str(account["name"]),
                          language=event.language)
    except Conflict:  # invited already, or a member meanwhile
        return "invited-already"
    return "invited"
