"""The case search engine on small indexes: who finds what (reach tokens inside the MATCH),
internal notes, both languages, case numbers, status filters, changes and deletions, pages,
hostile queries and the snapshot round trip."""

from __future__ import annotations

from typing import Any

import pytest

from portico.cases.search import (
    CaseIndex,
    Reach,
    account_token,
    assignee_token,
    case_number,
    cc_token,
    requester_token,
)

STAFF = Reach(everything=True, staff=True)


def case(id_: str, subject: str, public: str = "", *, account: str = "acc-a",
         requester: str = "ann", internal: str = "", status: str = "new",
         cc: tuple[str, ...] = (), assignee: str | None = None,
         created: str = "2026-01-01T00:00:00Z") -> dict[str, Any]:
    return {"id": id_, "number": f"CS-{int(id_):06d}", "subject": subject, "public": public,
            "internal": internal, "account_id": account, "requester_id": requester,
            "cc": list(cc), "assignee": assignee, "status": status,
            "status_class": "closed" if status in ("resolved", "closed") else "open",
            "created_at": created, "summary": {"id": id_, "subject": subject}}


FILLER = [case(str(100 + i), f"Other matter {w}", f"Something about {w} and more {w}.")
          for i, w in enumerate(["shipping", "delivery", "returns", "warranty", "holidays",
                                 "newsletter", "careers", "parking"])]


def index(*cases: dict[str, Any]) -> CaseIndex:
    idx = CaseIndex()
    idx.upsert([*cases, *FILLER])  # type: ignore[list-item]
    return idx


def ids(idx: CaseIndex, q: str, reach: Reach = STAFF, **kw: Any) -> list[str]:
    hits, _ = idx.search(q, reach, **kw)[:2]
    return [h["summary"]["id"] for h in hits]


def customer(account: str = "acc-a", contact: str = "ann", *, manager: bool = False,
             narrow: frozenset[str] | None = None) -> Reach:
    tokens = {requester_token(account, contact), cc_token(account, contact)}
    if manager:
        tokens.add(account_token(account))
    return Reach(tokens=frozenset(tokens), narrow=narrow)


def test_every_word_must_match_and_the_subject_ranks_first() -> None:
    idx = index(case("1", "Printer broken", "The printer on floor three."),
                case("2", "Invoice", "The printer is broken since Monday."),
                case("3", "Printer toner", "We need toner."))
    assert ids(idx, "broken printer") == ["1", "2"]
    assert ids(idx, "printer")[0] in ("1", "3")
    assert set(ids(idx, "printer")) == {"1", "2", "3"}


def test_a_customer_finds_only_what_the_access_table_gives() -> None:
    idx = index(case("1", "VPN down", requester="ann"),
                case("2", "VPN slow", requester="bob"),
                case("3", "VPN gone", requester="cid", cc=("ann",)),
                case("4", "VPN other", account="acc-b", requester="ann"))
    assert sorted(ids(idx, "vpn", customer())) == ["1", "3"]
    assert sorted(ids(idx, "vpn", customer(manager=True))) == ["1", "2", "3"]
    partner = Reach(tokens=frozenset({account_token("acc-b")}))
    assert ids(idx, "vpn", partner) == ["4"]
    assert ids(idx, "vpn", Reach()) == []  # reaches nothing: finds nothing
    mine = customer(manager=True, narrow=frozenset({requester_token("acc-a", "ann")}))
    assert ids(idx, "vpn", mine) == ["1"]
    assigned = Reach(everything=True, staff=True,
                     narrow=frozenset({assignee_token("agent-1")}))
    idx.upsert([case("2", "VPN slow", requester="bob", assignee="agent-1")])  # type: ignore[list-item]
    assert ids(idx, "vpn", assigned) == ["2"]


def test_internal_notes_are_found_and_shown_to_staff_only() -> None:
    idx = index(case("1", "Login fails", "Cannot sign in.", internal="Firmware blamed."))
    assert ids(idx, "firmware", customer(manager=True)) == []
    assert ids(idx, "login firmware", customer(manager=True)) == []
    hits, _ = idx.search("firmware", STAFF)[:2]
    assert hits[0]["snippet"] == "<mark>Firmware</mark> blamed."
    hits, _ = idx.search("login", customer())[:2]
    assert "Firmware" not in hits[0]["snippet"]


@pytest.mark.parametrize("q", ["internal : firmware", "{internal}: firmware",
                               "meta : firmware", "firmware*", '"firmware"'])
def test_query_syntax_cannot_reach_the_staff_column(q: str) -> None:
    idx = index(case("1", "Login fails", "Cannot sign in.", internal="Firmware blamed."))
    assert ids(idx, q, customer(manager=True)) == []


def test_both_languages_are_stemmed_and_folded() -> None:
    idx = index(case("1", "Tulostin ei toimi", "Tulostimen paperi juuttuu aina."),
                case("2", "Printers", "All printers stopped printing."))
    assert ids(idx, "tulostimen") == ["1"]
    assert ids(idx, "paperit") == ["1"]
    assert ids(idx, "juuttuu") == ["1"]
    assert ids(idx, "printer") == ["2"]
    assert ids(idx, "PRINTING") == ["2"]
    idx.upsert([case("3", "Päivitys", "Päivitys epäonnistui.")])  # type: ignore[list-item]
    assert ids(idx, "paivitys") == ["3"]


def test_a_case_number_finds_that_case() -> None:
    idx = index(case("123", "Anything"), case("1234", "Else"))
    for q in ("CS-000123", "cs-123", "CS123", "#123", " #000123 "):
        assert case_number(q) == 123, q
        assert ids(idx, q) == ["123"], q
    assert case_number("123") is None  # a bare number is a word
    assert ids(idx, "CS-000123", customer(account="acc-b")) == []


def test_status_filters() -> None:
    idx = index(case("1", "Mail bounce", status="new"),
                case("2", "Mail bounce again", status="waiting_on_customer"),
                case("3", "Mail bounce old", status="resolved"),
                case("4", "Mail bounce older", status="closed"))
    assert sorted(ids(idx, "mail", status="open")) == ["1", "2"]
    assert ids(idx, "mail", status="resolved") == ["3"]
    assert ids(idx, "mail", status="closed") == ["4"]
    assert sorted(ids(idx, "mail")) == ["1", "2", "3", "4"]


def test_a_change_replaces_the_case_and_a_deletion_removes_it() -> None:
    idx = index(case("1", "Scanner jam", "Paper stuck."))
    idx.upsert([case("1", "Scanner fixed", "Works now.", status="closed")])  # type: ignore[list-item]
    assert ids(idx, "jam") == []
    assert ids(idx, "fixed", status="closed") == ["1"]
    idx.upsert([{"id": "1", "deleted": True}])
    assert ids(idx, "fixed") == []
    assert idx.count == len(FILLER)


def test_pages_by_offset_newest_first_on_a_tie() -> None:
    cases = [case(str(i), "Badge reader", "Fails.", created=f"2026-01-{i + 1:02d}T00:00:00Z")
             for i in range(5)]
    idx = index(*cases)
    first, more = idx.search("badge", STAFF, limit=2)[:2]
    assert more
    assert [h["summary"]["id"] for h in first] == ["4", "3"]
    rest, more = idx.search("badge", STAFF, limit=10, offset=2)[:2]
    assert not more
    assert [h["summary"]["id"] for h in rest] == ["2", "1", "0"]


@pytest.mark.parametrize("q", ['"', '" OR "x', "NEAR(a b)", "a* AND NOT b", "(" * 500,
                               "\x00\x01", "ä" * 3000, "x" * 10_000, "", "   ", "the and"])
def test_hostile_queries_are_words(q: str) -> None:
    idx = index(case("1", "Printer broken"))
    hits, more = idx.search(q, STAFF)[:2]
    assert isinstance(hits, list)
    assert not more


def test_snippets_are_escaped() -> None:
    idx = index(case("1", "XSS", "<script>alert(1)</script> printer & co"))
    hits, _ = idx.search("printer", STAFF)[:2]
    assert "<script>" not in hits[0]["snippet"]
    assert "&lt;script&gt;" in hits[0]["snippet"]
    assert "<mark>printer</mark>" in hits[0]["snippet"]


def test_a_snapshot_loads_back_and_takes_changes() -> None:
    idx = index(case("1", "Keyboard missing keys"))
    again = CaseIndex.load(idx.dump())
    assert ids(again, "keyboard") == ["1"]
    again.upsert([case("2", "Keyboard sticky")])  # type: ignore[list-item]
    assert sorted(ids(again, "keyboard")) == ["1", "2"]
    assert ids(idx, "sticky") == []  # the original is its own copy


def test_too_many_matches_come_latest_changed_first(monkeypatch: pytest.MonkeyPatch) -> None:
    from portico.cases import search

    monkeypatch.setattr(search, "RANK_MOST", 3)
    idx = index(*[case(str(i), f"Badge reader {i}") for i in range(5)])
    idx.upsert([case("2", "Badge reader 2, changed")])  # type: ignore[list-item]
    found = idx.search("badge", STAFF, limit=2)
    assert not found.ranked
    assert [h["summary"]["id"] for h in found.hits] == ["2", "4"]
    assert found.more
    rest = idx.search("badge", STAFF, limit=10, offset=2)
    assert [h["summary"]["id"] for h in rest.hits] == ["3", "1", "0"]
    assert idx.search("changed", STAFF).ranked  # one match: ranked
