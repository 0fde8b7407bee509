"""The access table's rules, on principals made by hand (no AWS)."""

from __future__ import annotations

import pytest

from portico import access
from portico.access import ACCESS, PARENT, Owner, Privilege, Scope
from portico.errors import Forbidden, NotFound
from portico.principal import Principal, _Cache

R, C, U, A, D = (Privilege.READ, Privilege.CREATE, Privilege.UPDATE, Privilege.APPEND,
                 Privilege.DELETE)


def who(*roles: str, account: str = "acc-a", contact: str = "c-1",
        delegated: frozenset[str] = frozenset()) -> Principal:
    return Principal(contact_id=contact, email="x@example.com", name="X", language="en",
                     account_id=account, account_kind="customer", roles=frozenset(roles),
                     delegated_accounts=delegated)


def test_unknown_role_entity_or_privilege_grants_nothing() -> None:
    assert not access.allows(who("superuser"), "account", R, Owner("acc-a"))
    assert not access.allows(who("contact"), "spaceship", R, Owner("acc-a"))
    assert not access.allows(who(), "account", R, Owner("acc-a"))


def test_self_scope_is_own_record_in_the_acting_account_only() -> None:
    me = who("contact")
    assert access.allows(me, "contact", U, Owner("acc-a", "c-1"))
    assert not access.allows(me, "contact", R, Owner("acc-a", "c-2"))
    assert not access.allows(me, "contact", R, Owner("acc-b", "c-1"))


def test_account_scope_stops_at_the_account() -> None:
    manager = who("account_manager")
    assert access.allows(manager, "membership", U, Owner("acc-a", "c-9"))
    assert not access.allows(manager, "membership", R, Owner("acc-b", "c-9"))


def test_partner_scope_reaches_delegated_accounts_only() -> None:
    partner = who("partner", account="acc-p", delegated=frozenset({"acc-a"}))
    assert access.allows(partner, "account", R, Owner("acc-a"))
    assert access.allows(partner, "case", A, Owner("acc-a", "c-5"))
    assert not access.allows(partner, "account", R, Owner("acc-b"))
    assert not access.allows(partner, "invoice", R, Owner("acc-a"))


def test_children_follow_their_parent() -> None:
    contact = who("contact")
    mine, theirs = Owner("acc-a", "c-1"), Owner("acc-a", "c-2")
    assert access.allows(contact, "comment", C, mine)  # append on the case
    assert not access.allows(contact, "comment", R, theirs)
    assert access.allows(who("agent"), "attachment", R, Owner("acc-z"))
    for child, (parent, needs) in PARENT.items():
        assert parent in {e for grants in ACCESS.values() for e in grants}
        assert set(needs) == set(Privilege), child


def test_require_answers_404_for_the_unseen_and_403_for_the_seen() -> None:
    contact = who("contact")
    with pytest.raises(NotFound):
        access.require(contact, "account", R, Owner("acc-b"))
    with pytest.raises(Forbidden):
        access.require(contact, "account", U, Owner("acc-a"))
    with pytest.raises(NotFound):
        access.require(contact, "account", U, Owner("acc-b"))


def test_lists_need_the_whole_account() -> None:
    with pytest.raises(Forbidden):  # sees the account, not its people
        access.require_list(who("contact"), "membership", "acc-a")
    with pytest.raises(NotFound):
        access.require_list(who("contact"), "membership", "acc-b")
    access.require_list(who("account_manager"), "membership", "acc-a")
    access.require_list(who("agent"), "membership", "acc-b")


def test_staff_roles_live_only_in_the_operator_account() -> None:
    for kind, roles in access.ROLES_BY_ACCOUNT_KIND.items():
        assert bool(roles & access.STAFF_ROLES) == (kind == "operator")


def test_only_staff_reach_all() -> None:
    for role, grants in ACCESS.items():
        reaches_all = any(g.scope is Scope.ALL for gs in grants.values() for g in gs)
        assert reaches_all == (role in access.STAFF_ROLES), role


def test_integration_role_reads_nothing_of_the_portal() -> None:
    assert ACCESS["integration"] == {}


def test_cache_serves_within_its_time_and_reloads_after() -> None:
    cache = _Cache()
    loads: list[int] = []

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert cache.get("k", load, ttl=60) == 1
    assert cache.get("k", load, ttl=60) == 1
    assert cache.get("other", load, ttl=0) == 2
    assert cache.get("other", load, ttl=0) == 3, "an expired entry is read again"
    cache.forget("k")
    assert cache.get("k", load, ttl=60) == 4
