"""Accounts, contacts and memberships.

A contact is a person, keyed by their Cognito `sub`. Their roles and active flag live per
account, twice: in a membership item under the account (so the account's people list in one
query) and in the contact item's `accounts` map (so a request resolves its principal with
one key read). Both change in one transaction. Each account counts its active account
managers, so the last one cannot be removed even by two managers acting at once.
"""

from __future__ import annotations

from typing import Any

from portico import access, audit, keys, outbox, principal, store
from portico.access import STAFF_ROLES, Owner, Privilege
from portico.errors import BadRequest, Conflict, Forbidden, NotFound
from portico.events import Actor, Event
from portico.identity import models
from portico.principal import Principal

MANAGER = "account_manager"
PROFILE_FIELDS = ("name", "phone", "language", "notification_preferences", "dashboard")
DEFAULT_PREFERENCES = models.NotificationPreferences().model_dump()


def actor_of(p: Principal) -> Actor:
    return Actor(type="contact", id=p.contact_id)


# -- accounts -----------------------------------------------------------------------------
def account_item(account_id: str) -> dict[str, Any]:
    item = store.get(keys.account(account_id))
    if item is None:
        raise NotFound("No such account.")
    return item


def get_account(p: Principal, account_id: str) -> models.Account:
    access.require(p, "account", Privilege.READ, Owner(account_id))
    item = account_item(account_id)
    owner = Owner(account_id)
    can = models.AccountAbilities(
        manage_people=access.allows(p, "membership", Privilege.UPDATE, owner),
        invite=access.allows(p, "invitation", Privilege.CREATE, owner),
        roles=sorted(grantable_roles(p, str(item["kind"]))))
    return models.Account.model_validate({**item, "can": can})


def new_account(*, account_id: str, number: str, name: str, kind: str, tier: str = "standard",
                partner_account_id: str | None = None,
                parent_account_id: str | None = None) -> dict[str, Any]:
    """The item of a new account (system use: seeding, bootstrap, ingestion)."""
    if kind not in access.ROLES_BY_ACCOUNT_KIND:
        raise BadRequest(f"Unknown kind of account {kind!r}.")
    item: dict[str, Any] = {
        **keys.account(account_id), "type": "Account", "id": account_id, "number": number,
        "name": name, "kind": kind, "tier": tier, "status": "active", "active_managers": 0,
        "partner_account_id": partner_account_id, "parent_account_id": parent_account_id,
    }
    if partner_account_id:
        item.update(keys.partner_accounts(partner_account_id, account_id))
    return {k: v for k, v in item.items() if v is not None}


def create_account(item: dict[str, Any], *, actor: Actor, request_id: str = "") -> None:
    outbox.commit(
        [store.put(item, condition="attribute_not_exists(pk)"),
         audit.entry(entity="account", entity_id=item["id"], account_id=item["id"],
                     action="create", changed=audit.changes(None, item, (
                         "number", "name", "kind", "tier", "partner_account_id")),
                     actor_contact_id=actor.id, actor_account_id=None, request_id=request_id)],
        [Event(type="AccountCreated", actor=actor, account_id=item["id"],
               data={k: item.get(k) for k in ("number", "name", "kind", "tier")})])


# -- memberships --------------------------------------------------------------------------
def is_manager(roles: list[str] | tuple[str, ...], active: bool) -> bool:
    return active and MANAGER in roles


def grantable_roles(p: Principal | None, account_kind: str) -> frozenset[str]:
    """Roles the caller may give in an account of this kind (None: the system itself)."""
    valid = access.ROLES_BY_ACCOUNT_KIND.get(account_kind, frozenset())
    if p is None or "admin" in p.roles:
        return valid
    return valid - STAFF_ROLES


def check_roles(p: Principal | None, account: dict[str, Any], roles: list[str]) -> None:
    allowed = grantable_roles(p, str(account["kind"]))
    refused = sorted(set(roles) - allowed)
    if refused:
        raise Forbidden(f"These roles cannot be given here: {', '.join(refused)}.")


def membership_writes(*, account: dict[str, Any], contact_id: str, email: str, name: str,
                      language: str, roles: list[str], joined_at: str,
                      contact: dict[str, Any] | None) -> list[store.TransactItem]:
    """Add a contact to an account: membership item, contact item, manager count."""
    account_id = str(account["id"])
    entry = {"roles": sorted(roles), "active": True, "kind": account["kind"]}
    writes = [store.put({
        **keys.membership(account_id, contact_id),
        **keys.membership_by_contact(account_id, contact_id),
        "type": "Membership", "account_id": account_id, "contact_id": contact_id,
        "email": email, "name": name, "roles": sorted(roles), "active": True,
        "joined_at": joined_at,
    }, condition="attribute_not_exists(pk)")]
    if contact is None:
        writes.append(store.put({
            **keys.contact(contact_id), "type": "Contact", "id": contact_id, "email": email,
            "name": name, "language": language, "active": True,
            "primary_account_id": account_id, "accounts": {account_id: entry},
            "notification_preferences": DEFAULT_PREFERENCES, "created_at": joined_at,
        }, condition="attribute_not_exists(pk)"))
    else:
        writes.append(store.update(
            keys.contact(contact_id), set_={("accounts", account_id): entry},
            condition="attribute_exists(pk) AND attribute_not_exists(#accounts.#aid)",
            names={"#aid": account_id}))
    if MANAGER in roles:
        writes.append(store.update(keys.account(account_id), add={"active_managers": 1}))
    return writes


def contact_item(contact_id: str) -> dict[str, Any] | None:
    return store.get(keys.contact(contact_id), consistent=True)


def list_contacts(p: Principal, account_id: str, *, cursor: str | None,
                  limit: int) -> models.ContactPage:
    access.require_list(p, "membership", account_id)
    items, nxt = store.query_page(keys.account(account_id)["pk"], sk_prefix=keys.MEMBER_PREFIX,
                                  limit=limit, cursor=cursor)
    return models.ContactPage(items=[_contact_out(i) for i in items], next_cursor=nxt)


def _contact_out(m: dict[str, Any]) -> models.Contact:
    return models.Contact(id=m["contact_id"], account_id=m["account_id"], email=m["email"],
                          name=m.get("name", ""), roles=list(m.get("roles", [])),
                          active=bool(m.get("active")), joined_at=m.get("joined_at"))


def update_member(p: Principal, account_id: str, contact_id: str,
                  patch: models.ContactPatch) -> models.Contact:
    access.require(p, "membership", Privilege.UPDATE, Owner(account_id, contact_id))
    member = store.get(keys.membership(account_id, contact_id), consistent=True)
    if member is None:
        raise NotFound("No such contact in this account.")
    account = account_item(account_id)
    roles = sorted(patch.roles) if patch.roles is not None else list(member["roles"])
    active = patch.active if patch.active is not None else bool(member["active"])
    if patch.roles is not None:
        added = set(roles) - set(member["roles"])
        check_roles(p, account, sorted(added))
        valid = access.ROLES_BY_ACCOUNT_KIND.get(str(account["kind"]), frozenset())
        if not set(roles) <= valid:
            raise Conflict(f"An account of kind {account['kind']} holds only the roles "
                           f"{', '.join(sorted(valid))}.")
    after = {"roles": roles, "active": active}
    changed = audit.changes(member, after, ("roles", "active"))
    if not changed:
        return _contact_out(member)

    was, will = is_manager(member["roles"], member["active"]), is_manager(roles, active)
    writes = [
        store.update(keys.membership(account_id, contact_id), set_=after,
                     condition="attribute_exists(pk)"),
        _contact_membership_update(contact_id, account_id, roles, active, str(account["kind"])),
        audit.by(p, entity="membership", entity_id=f"{account_id}/{contact_id}",
                 account_id=account_id, action="update", changed=changed),
    ]
    last_manager_guard = None
    if was and not will:
        # Customers may not lock their account's last manager out; staff may.
        guard = None if p.is_staff else "#active_managers > :one"
        last_manager_guard = len(writes) if guard else None
        writes.append(store.update(keys.account(account_id), add={"active_managers": -1},
                                   condition=guard, values={":one": 1} if guard else None))
    elif will and not was:
        writes.append(store.update(keys.account(account_id), add={"active_managers": 1}))
    try:
        outbox.commit(writes, [Event(
            type="ContactRolesChanged" if "roles" in changed else "ContactAccessChanged",
            actor=actor_of(p), account_id=account_id,
            data={"contact_id": contact_id, "changes": changed})])
    except Conflict as e:
        failed = e.details.get("failed") if isinstance(e.details, dict) else None
        if last_manager_guard is not None and failed == last_manager_guard:
            raise Conflict("This is the account's last active account manager: "
                           "make someone else a manager first.") from None
        raise
    principal.forget(contact_id)
    return _contact_out({**member, **after})


def _contact_membership_update(contact_id: str, account_id: str, roles: list[str],
                               active: bool, kind: str) -> store.TransactItem:
    return store.update(keys.contact(contact_id),
                        set_={("accounts", account_id): {"roles": roles, "active": active,
                                                         "kind": kind}},
                        condition="attribute_exists(#accounts.#aid)",
                        names={"#aid": account_id})


# -- the caller's own profile -------------------------------------------------------------
def _me(p: Principal, contact: dict[str, Any]) -> models.Me:
    names = {a["id"]: a for a in store.batch_get(
        [keys.account(m.account_id) for m in p.memberships])}
    return models.Me(
        id=p.contact_id, email=str(contact["email"]), name=str(contact.get("name", "")),
        phone=contact.get("phone"), language=contact.get("language", "en"),
        account_id=p.account_id, roles=sorted(p.roles),
        memberships=[models.MembershipOut(
            account_id=m.account_id, account_name=str(names.get(m.account_id, {}).get(
                "name", m.account_id)), account_kind=m.account_kind, roles=list(m.roles))
            for m in p.memberships],
        notification_preferences=models.NotificationPreferences.model_validate(
            contact.get("notification_preferences") or DEFAULT_PREFERENCES),
        dashboard=models.Dashboard.model_validate(contact.get("dashboard") or {}),
        sections=access.sections(p),
    )


def get_me(p: Principal) -> models.Me:
    access.require(p, "contact", Privilege.READ, Owner(p.account_id, p.contact_id))
    contact = contact_item(p.contact_id)
    if contact is None:
        raise NotFound("No such contact.")
    return _me(p, contact)


def update_me(p: Principal, patch: models.MePatch) -> models.Me:
    access.require(p, "contact", Privilege.UPDATE, Owner(p.account_id, p.contact_id))
    contact = contact_item(p.contact_id)
    if contact is None:
        raise NotFound("No such contact.")
    values = patch.model_dump(exclude_unset=True)
    after = {**contact, **values}
    changed = audit.changes(contact, after, PROFILE_FIELDS)
    if not changed:
        return _me(p, contact)
    writes = [store.update(keys.contact(p.contact_id), set_=values,
                           condition="attribute_exists(pk)"),
              audit.by(p, entity="contact", entity_id=p.contact_id, account_id=p.account_id,
                       action="update", changed=changed)]
    if "name" in changed:
        # The account's people list shows names without a read per person.
        writes += [store.update(keys.membership(m.account_id, p.contact_id),
                                set_={"name": values["name"]}) for m in p.memberships]
    outbox.commit(writes, [Event(type="ContactUpdated", actor=actor_of(p),
                                 account_id=p.account_id,
                                 data={"contact_id": p.contact_id, "fields": sorted(changed)})])
    principal.forget(p.contact_id)
    return _me(p, after)
