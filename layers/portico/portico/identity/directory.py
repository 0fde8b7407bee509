"""Accounts, contacts and memberships.

A contact is a person, keyed by their Cognito `sub`. Their roles and active flag live per
account, twice: in a membership item under the account (so the account's people list in one
query) and in the contact item's `accounts` map (so a request resolves its principal with
one key read). Both change in one transaction. Each account counts its active account
managers, so the last one cannot be removed even by two managers acting at once.
"""

from __future__ import annotations

import time
from typing import Any

from portico import access, audit, aws, change, keys, principal, store
from portico.access import STAFF_ROLES, Owner, Privilege
from portico.errors import BadRequest, Conflict, Forbidden, NotFound
from portico.events import Actor
from portico.identity import models
from portico.principal import Principal
from portico.settings import settings

MANAGER = "account_manager"
PROFILE_FIELDS = ("name", "phone", "language", "notification_preferences", "dashboard")
DEFAULT_PREFERENCES = models.NotificationPreferences().model_dump()


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


def listed(account_id: str, number: str, name: str) -> dict[str, str]:
    """What puts an account in staff's list of accounts, by name, found by `q`."""
    return {**keys.all_accounts(name, account_id), "search": f"{number} {name}".casefold()}


def _finding(q: str | None) -> tuple[str | None, dict[str, str], dict[str, Any]]:
    """The filter of a staff list's `q`: a part of what the record's `search` holds."""
    if not q or not q.strip():
        return None, {}, {}
    return "contains(#search, :q)", {"#search": "search"}, {":q": q.strip().casefold()}


def list_accounts(p: Principal, *, q: str | None, cursor: str | None,
                  limit: int) -> models.AccountPage:
    """Every account by name, for staff; `q`: a part of the name or number."""
    access.require_all(p, "account")
    where, names, values = _finding(q)
    items, nxt = store.query_page(keys.ALL_ACCOUNTS, index="gsi2", limit=limit, cursor=cursor,
                                  where=where, where_names=names, where_values=values)
    return models.AccountPage(items=[models.AccountSummary.model_validate(i) for i in items],
                              next_cursor=nxt)


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
        **listed(account_id, number, name),
    }
    if partner_account_id:
        item.update(keys.partner_accounts(partner_account_id, account_id))
    return {k: v for k, v in item.items() if v is not None}


def create_account(item: dict[str, Any], *, actor: Actor, request_id: str = "") -> None:
    c = change.system("account", item["id"], Owner(item["id"]), request_id=request_id,
                      actor=actor)
    c.create(item)
    # The back office names accounts by their number (integration events).
    c.create({**keys.account_number(str(item["number"])), "type": "AccountNumber",
              "account_id": item["id"]},
             conflict=Conflict(f"Account number {item['number']} is taken."))
    c.audit("create", audit.changes(None, item, ("number", "name", "kind", "tier",
                                                 "partner_account_id")))
    c.event("AccountCreated", {k: item.get(k) for k in ("number", "name", "kind", "tier")})
    c.commit()


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


def add_member(c: change.Change, *, account: dict[str, Any], contact_id: str, email: str,
               name: str, language: str, roles: list[str], joined_at: str,
               contact: dict[str, Any] | None) -> None:
    """Add a contact to an account within change `c`: membership item, contact item,
    manager count."""
    account_id = str(account["id"])
    roles = sorted(set(roles))
    entry = {"roles": roles, "active": True, "kind": account["kind"]}
    c.create({
        **keys.membership(account_id, contact_id),
        **keys.membership_by_contact(account_id, contact_id),
        "type": "Membership", "account_id": account_id, "contact_id": contact_id,
        "email": email, "name": name, "roles": roles, "active": True,
        "joined_at": joined_at,
    }, conflict=Conflict("You are already a member of this account."))
    if contact is None:
        c.create({
            **keys.contact(contact_id), **keys.all_contacts(contact_id),
            "search": person_search(name, email),
            "type": "Contact", "id": contact_id, "email": email,
            "name": name, "language": language, "active": True,
            "primary_account_id": account_id, "accounts": {account_id: entry},
            "notification_preferences": DEFAULT_PREFERENCES, "created_at": joined_at,
        })
    else:
        c.update(keys.contact(contact_id), set_={("accounts", account_id): entry},
                 condition="attribute_exists(pk) AND attribute_not_exists(#accounts.#aid)",
                 names={"#aid": account_id},
                 conflict=Conflict("You are already a member of this account."))
    if MANAGER in roles:
        c.update(keys.account(account_id), add={"active_managers": 1})


def enrol(*, account: dict[str, Any], contact_id: str, email: str, name: str, language: str,
          roles: list[str], joined_at: str, contact: dict[str, Any] | None,
          request_id: str) -> None:
    """Make a contact a member as the system does (seeding, ingestion from a back office):
    membership, contact, audit entry and ContactJoined in one change."""
    account_id = str(account["id"])
    c = change.system("membership", f"{account_id}/{contact_id}", Owner(account_id, contact_id),
                      request_id=request_id)
    add_member(c, account=account, contact_id=contact_id, email=email, name=name,
               language=language, roles=roles, joined_at=joined_at, contact=contact)
    c.audit("join", {"roles": {"before": None, "after": sorted(set(roles))}})
    c.event("ContactJoined", {"contact_id": contact_id, "email": email,
                              "roles": sorted(set(roles)), "new_login": contact is None})
    c.commit()


def person_search(name: str, email: str) -> str:
    """What `q` of staff's list of people matches: the name and the address."""
    return f"{name} {email}".casefold()


def list_people(p: Principal, *, q: str | None, cursor: str | None,
                limit: int) -> models.PersonPage:
    """Everyone with a login, with the accounts they belong to (staff); `q`: a part of the
    name or e-mail address. In no particular order: it is a way to find someone."""
    access.require_all(p, "contact")
    where, names, values = _finding(q)
    items, nxt = store.query_page(keys.ALL_CONTACTS, index="gsi2", limit=limit, cursor=cursor,
                                  where=where, where_names=names, where_values=values)
    ids = list(dict.fromkeys(str(a) for i in items for a in (i.get("accounts") or {})))
    accounts = {str(a["id"]): a for a in store.batch_get([keys.account(i) for i in ids])}
    return models.PersonPage(items=[models.PersonOut(
        id=str(i["id"]), name=str(i.get("name") or ""), email=str(i["email"]),
        active=bool(i.get("active", True)),
        accounts=[models.PersonAccount(
            account_id=aid, account_name=str(accounts.get(aid, {}).get("name") or aid),
            roles=list(m.get("roles") or []), active=bool(m.get("active")))
            for aid, m in sorted((i.get("accounts") or {}).items())])
        for i in items], next_cursor=nxt)


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
                          name=m.get("name") or "", roles=list(m.get("roles") or []),
                          active=bool(m.get("active")), joined_at=m.get("joined_at"))


def update_member(p: Principal, account_id: str, contact_id: str,
                  patch: models.ContactPatch) -> models.Contact:
    c = change.by(p, "membership", f"{account_id}/{contact_id}", Owner(account_id, contact_id),
                  Privilege.UPDATE)
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
    if set_member(c, member, account, after, staff=p.is_staff):
        c.commit()
        principal.forget(contact_id)
    return _contact_out({**member, **after})


def set_member(c: change.Change, member: dict[str, Any], account: dict[str, Any],
               after: dict[str, Any], *, staff: bool) -> bool:
    """Give a member new roles or active flag within change `c` (its membership, the copy on
    the contact, the account's manager count, audit and event); False if nothing changes.
    `staff`: may lock the account's last manager out (customers may not)."""
    account_id, contact_id = str(account["id"]), str(member["contact_id"])
    roles, active = after["roles"], after["active"]
    changed = audit.changes(member, after, ("roles", "active"))
    if not changed:
        return False
    was, will = is_manager(member["roles"], member["active"]), is_manager(roles, active)
    c.update(keys.membership(account_id, contact_id), set_=after,
             condition="attribute_exists(pk)")
    c.update(keys.contact(contact_id),
             # Tokens issued before this stop working (portico.principal).
             set_={("accounts", account_id): {"roles": roles, "active": active,
                                              "kind": str(account["kind"])},
                   "tokens_valid_after": int(time.time())},
             condition="attribute_exists(#accounts.#aid)", names={"#aid": account_id})
    if was and not will:
        guard = None if staff else "#active_managers > :one"
        c.update(keys.account(account_id), add={"active_managers": -1}, condition=guard,
                 values={":one": 1} if guard else None,
                 conflict=Conflict("This is the account's last active account manager: "
                                   "make someone else a manager first."))
    elif will and not was:
        c.update(keys.account(account_id), add={"active_managers": 1})
    c.audit("update", changed)
    c.event("ContactRolesChanged" if "roles" in changed else "ContactAccessChanged",
            {"contact_id": contact_id, "changes": changed})
    return True


# -- the caller's own profile -------------------------------------------------------------
def _account_names(p: Principal) -> dict[str, str]:
    """The names of the caller's accounts and of those its partner account serves, cached
    like the principal: `GET /me` on a warm function costs no read for them (a rename shows
    within the cache's minute)."""
    ids = sorted({m.account_id for m in p.memberships} | p.delegated_accounts)

    def load() -> dict[str, str]:
        return {str(a["id"]): str(a.get("name") or a["id"])
                for a in store.batch_get([keys.account(i) for i in ids])}

    names: dict[str, str] = principal.cache.get(
        "account-names:" + ",".join(ids), load, settings().principal_cache_seconds)
    return names


def _me(p: Principal, contact: dict[str, Any]) -> models.Me:
    names = _account_names(p)
    return models.Me(
        id=p.contact_id, email=str(contact["email"]), name=str(contact.get("name") or ""),
        phone=contact.get("phone") or None, language=contact.get("language") or "en",
        account_id=p.account_id, roles=sorted(p.roles),
        memberships=[models.MembershipOut(
            account_id=m.account_id, account_name=names.get(m.account_id, m.account_id),
            account_kind=m.account_kind, roles=list(m.roles))
            for m in p.memberships],
        served_accounts=sorted(
            (models.ServedAccount(account_id=a, account_name=names.get(a, a))
             for a in p.delegated_accounts),
            key=lambda s: (s.account_name.casefold(), s.account_id)),
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
    c = change.by(p, "contact", p.contact_id, Owner(p.account_id, p.contact_id),
                  Privilege.UPDATE)
    contact = contact_item(p.contact_id)
    if contact is None:
        raise NotFound("No such contact.")
    # An empty phone clears it: the attribute goes, nothing stores a null or "".
    values = {k: (None if v == "" else v) for k, v in patch.model_dump(exclude_unset=True).items()}
    after = {**contact, **values}
    changed = audit.changes(contact, after, PROFILE_FIELDS)
    if not changed:
        return _me(p, contact)
    # A new name is what staff's list of people finds her by.
    found = {"search": person_search(str(after.get("name") or ""), str(contact["email"]))} \
        if "name" in changed else {}
    c.update(keys.contact(p.contact_id), set_={**values, **found},
             condition="attribute_exists(pk)")
    if "name" in changed:
        # The account's people list shows names without a read per person.
        for m in p.memberships:
            c.update(keys.membership(m.account_id, p.contact_id), set_={"name": values["name"]})
    c.audit("update", changed)
    c.event("ContactUpdated", {"contact_id": p.contact_id, "fields": sorted(changed)})
    c.commit()
    principal.forget(p.contact_id)
    return _me(p, after)


def sign_out_everywhere(p: Principal) -> None:
    """End every session of the caller: Cognito revokes the refresh tokens, and access
    tokens issued until now stop working here within the principal cache's minute."""
    c = change.by(p, "contact", p.contact_id, Owner(p.account_id, p.contact_id),
                  Privilege.UPDATE)
    aws.client("cognito-idp").admin_user_global_sign_out(
        UserPoolId=settings().user_pool_id, Username=p.email)
    c.update(keys.contact(p.contact_id), set_={"tokens_valid_after": int(time.time())},
             condition="attribute_exists(pk)")
    c.audit("sign_out", {"sessions": {"before": "active", "after": "revoked"}})
    c.event("ContactSignedOut", {"contact_id": p.contact_id})
    c.commit()
    principal.forget(p.contact_id)
