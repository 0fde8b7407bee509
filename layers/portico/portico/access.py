"""The one access table: per role and entity, the scopes a role reaches and what it may do.

Like web roles and table permissions in Dynamics 365 portals. Deny by default: a role, entity
or privilege missing here grants nothing. Every read and write of the data layer asks
`require` (one object) or `reach` (a list) with the principal; an object the caller may not
read is answered as not found, one it may read but not change as forbidden.

Scopes, for an object owned by an account (and perhaps a contact):
- `self`     the caller's own record, or one they own, in the account they act in
- `shared`   a record of the caller's account that names them beside its owner (a case's
             CCs): they follow it, they do not run it
- `account`  any object of the account the caller acts in
- `partner`  any object of an account delegated to the caller's (partner) account
- `all`      everything (staff)

Child records follow their parent (`PARENT`): reading a comment needs read on its case,
adding one needs append on the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from portico.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from portico.principal import Principal


class Scope(StrEnum):
    SELF = "self"
    SHARED = "shared"
    ACCOUNT = "account"
    PARTNER = "partner"
    ALL = "all"


class Privilege(StrEnum):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    APPEND = "append"
    DELETE = "delete"


R, C, U, A, D = (Privilege.READ, Privilege.CREATE, Privilege.UPDATE, Privilege.APPEND,
                 Privilege.DELETE)


@dataclass(frozen=True)
class Grant:
    scope: Scope
    privileges: frozenset[Privilege]


def grant(scope: Scope, *privileges: Privilege) -> Grant:
    return Grant(scope, frozenset(privileges))


STAFF_ROLES = frozenset({"agent", "admin"})
CUSTOMER_ROLES = frozenset({"contact", "account_manager", "billing"})

# Which roles a membership may hold, by the kind of account.
ROLES_BY_ACCOUNT_KIND: dict[str, frozenset[str]] = {
    "operator": STAFF_ROLES,
    "customer": CUSTOMER_ROLES,
    "partner": frozenset({"partner", "account_manager"}),
}

# Entities: `account`; `contact` (a person's profile); `membership` (a person's roles and
# active flag in one account: who may see and manage the account's people); `invitation`;
# `audit`; `case` (with its children) and `queue` (the staff's work lists); `booking` and
# `resource` (what is booked: staff manage resources, customers see the ones whose own
# `bookable_by` rule names them); `article` (the knowledge base's drafts: staff write them;
# everyone reads the published text its audience names) and `publication` (putting an
# article live or taking it down: admins); `invoice` (from the back office: read, and
# append a copy request); `change_request` (a customer's request to change the account's
# sensitive fields, which staff review) and `announcement` (staff write them; who reads
# one is its audience).
# The knowledge base, notifications and announcements are open to every signed-in contact
# (what each may read there is the area's audience rule, not an account's ownership).
ACCESS: dict[str, dict[str, tuple[Grant, ...]]] = {
    "contact": {
        "account": (grant(Scope.ACCOUNT, R),),
        "contact": (grant(Scope.SELF, R, U),),
        # A CC'd colleague reads the case and adds to its thread; closing, reopening,
        # rating or changing its CCs is the requester's (or a manager's).
        "case": (grant(Scope.SELF, R, C, U, A), grant(Scope.SHARED, R, A)),
        "booking": (grant(Scope.SELF, R, C, U, D),),
    },
    "account_manager": {
        "account": (grant(Scope.ACCOUNT, R),),
        "contact": (grant(Scope.SELF, R, U), grant(Scope.ACCOUNT, R)),
        "membership": (grant(Scope.ACCOUNT, R, U),),
        "invitation": (grant(Scope.ACCOUNT, R, C, D),),
        "audit": (grant(Scope.ACCOUNT, R),),
        "case": (grant(Scope.ACCOUNT, R, C, U, A),),
        # Append: ask for a copy of one.
        "invoice": (grant(Scope.ACCOUNT, R, A),),
        "change_request": (grant(Scope.ACCOUNT, R, C),),
        "booking": (grant(Scope.ACCOUNT, R, C, U, D),),
    },
    "billing": {
        "account": (grant(Scope.ACCOUNT, R),),
        "contact": (grant(Scope.SELF, R, U),),
        "invoice": (grant(Scope.ACCOUNT, R, A),),
        "change_request": (grant(Scope.ACCOUNT, R, C),),
        # Their own cases, as a contact's; which categories they open is the catalogue's
        # (`cases.catalog.ROLE_CATEGORIES`: billing cases).
        "case": (grant(Scope.SELF, R, C, U, A), grant(Scope.SHARED, R, A)),
    },
    "partner": {
        "account": (grant(Scope.ACCOUNT, R), grant(Scope.PARTNER, R)),
        "contact": (grant(Scope.SELF, R, U),),
        "case": (grant(Scope.PARTNER, R, C, U, A),),
    },
    "agent": {
        "account": (grant(Scope.ALL, R),),
        "contact": (grant(Scope.SELF, R, U), grant(Scope.ALL, R)),
        "membership": (grant(Scope.ALL, R),),
        "invitation": (grant(Scope.ALL, R, C, D),),
        "case": (grant(Scope.ALL, R, C, U, A),),
        "queue": (grant(Scope.ALL, R),),
        "booking": (grant(Scope.ALL, R, C, U, D),),
        "resource": (grant(Scope.ALL, R, C, U, D),),
        "article": (grant(Scope.ALL, R, C, U),),
        "change_request": (grant(Scope.ALL, R),),
        "announcement": (grant(Scope.ALL, R),),
    },
    "admin": {
        "account": (grant(Scope.ALL, R, C, U),),
        "contact": (grant(Scope.SELF, R, U), grant(Scope.ALL, R)),
        "membership": (grant(Scope.ALL, R, U),),
        "invitation": (grant(Scope.ALL, R, C, D),),
        "audit": (grant(Scope.ALL, R),),
        "case": (grant(Scope.ALL, R, C, U, A, D),),
        "queue": (grant(Scope.ALL, R),),
        "invoice": (grant(Scope.ALL, R),),
        "booking": (grant(Scope.ALL, R, C, U, D),),
        "resource": (grant(Scope.ALL, R, C, U, D),),
        "article": (grant(Scope.ALL, R, C, U),),
        "publication": (grant(Scope.ALL, C, D),),
        # Reviewing (approving or rejecting) a customer's change request is an update.
        "change_request": (grant(Scope.ALL, R, U),),
        "announcement": (grant(Scope.ALL, R, C, U, D),),
    },
    # A machine client: the ingestion endpoints only, none of the portal's records.
    "integration": {},
}

# child entity -> (parent entity, privilege on the parent that each child privilege needs)
PARENT: dict[str, tuple[str, dict[Privilege, Privilege]]] = {
    "comment": ("case", {R: R, C: A, U: A, A: A, D: U}),
    "attachment": ("case", {R: R, C: A, U: A, A: A, D: U}),
}


@dataclass(frozen=True)
class Owner:
    """Whose an object is: the account it belongs to, and the contact, where it has one
    (`also`: contacts who share it, like a case's CCs)."""

    account_id: str
    contact_id: str | None = None
    also: frozenset[str] = frozenset()


def _in_scope(principal: Principal, scope: Scope, owner: Owner) -> bool:
    if scope is Scope.ALL:
        return True
    if scope is Scope.ACCOUNT:
        return owner.account_id == principal.account_id
    if scope is Scope.SELF:
        return owner.account_id == principal.account_id and \
            owner.contact_id == principal.contact_id
    if scope is Scope.SHARED:
        return owner.account_id == principal.account_id and principal.contact_id in owner.also
    return owner.account_id in principal.delegated_accounts


def allows(principal: Principal, entity: str, privilege: Privilege, owner: Owner) -> bool:
    if entity in PARENT:
        parent, needs = PARENT[entity]
        return allows(principal, parent, needs[privilege], owner)
    for role in principal.roles:
        for g in ACCESS.get(role, {}).get(entity, ()):
            if privilege in g.privileges and _in_scope(principal, g.scope, owner):
                return True
    return False


def require(principal: Principal, entity: str, privilege: Privilege, owner: Owner) -> None:
    """Raise NotFound if the caller may not even see the object, Forbidden if they may see
    it but not do this."""
    if allows(principal, entity, privilege, owner):
        return
    if privilege is not R and allows(principal, entity, R, owner):
        raise Forbidden(f"You may not {privilege} this {entity}.")
    raise NotFound(f"No such {entity}.")


def scopes(principal: Principal, entity: str, privilege: Privilege = R) -> set[Scope]:
    """The scopes in which the caller holds `privilege` on `entity`: how far a list reaches."""
    if entity in PARENT:
        parent, needs = PARENT[entity]
        return scopes(principal, parent, needs[privilege])
    return {g.scope for role in principal.roles for g in ACCESS.get(role, {}).get(entity, ())
            if privilege in g.privileges}


def require_list(principal: Principal, entity: str, account_id: str) -> None:
    """For a list of an account's `entity` records: the caller must reach the whole account.

    404 when the account itself is out of the caller's sight, 403 when it is visible but
    its `entity` records are not theirs to list."""
    owner = Owner(account_id)
    reach = scopes(principal, entity)
    if Scope.ALL in reach or (Scope.ACCOUNT in reach and account_id == principal.account_id) \
            or (Scope.PARTNER in reach and account_id in principal.delegated_accounts):
        return
    require(principal, "account", R, owner)
    raise Forbidden(f"You may not list this account's {entity} records.")


# What of a record a reader sees when they reach it only through the account (a manager
# reading about a colleague): the fields the account's people list shows, no more. Used
# where a record's content travels elsewhere, like the audit trail's before/after values.
ACCOUNT_FIELDS: dict[str, frozenset[str]] = {
    "contact": frozenset({"name", "email", "roles", "active"}),
}


def readable_fields(principal: Principal, entity: str, owner: Owner) -> frozenset[str] | None:
    """The fields of the record the principal may read; None means all of them."""
    for role in principal.roles:
        for g in ACCESS.get(role, {}).get(entity, ()):
            if R in g.privileges and g.scope is not Scope.ACCOUNT \
                    and _in_scope(principal, g.scope, owner):
                return None
    return ACCOUNT_FIELDS.get(entity)


def forbidden(entity: str) -> Forbidden:
    return Forbidden(f"Your role does not give access to {entity} records.")


def require_all(principal: Principal, entity: str) -> None:
    """For a list across every account (staff's): the caller must read `entity` in all."""
    if Scope.ALL not in scopes(principal, entity):
        raise forbidden(entity)


# The portal's sections, and the entity whose read access opens each one to a principal
# (None: every signed-in contact). The site's menu and page guards come from this.
SECTIONS: dict[str, str | None] = {
    "dashboard": None,
    "cases": "case",
    "kb": None,
    "invoices": "invoice",
    "bookings": "booking",
    "notifications": None,
    "account": "membership",
    "profile": None,
}


def sections(principal: Principal) -> list[str]:
    """The sections the principal may open. `account` needs the whole acting account."""
    out = []
    for section, entity in SECTIONS.items():
        if entity is None:
            out.append(section)
            continue
        reach = scopes(principal, entity)
        if section == "account":
            reach &= {Scope.ACCOUNT, Scope.ALL}
        if reach:
            out.append(section)
    return out
