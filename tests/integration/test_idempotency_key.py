"""`Idempotency-Key` on POST: the same key again by the same user answers the first answer
and writes nothing more, so a double click or a retry after a lost answer makes one case."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.conftest import Portal

CONTACT = "contact@northwind.example"
OTHER = "contact@contoso.example"


def post_case(portal: Portal, key: str | None, subject: str, *, as_user: str = CONTACT,
              **body: Any) -> requests.Response:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return portal.request("POST", "/cases", as_user=as_user, headers=headers, json={
        "subject": subject, "description": "The printer jams.", "category": "general",
        **body})


def cases_called(portal: Portal, subject: str, as_user: str = CONTACT) -> list[str]:
    return [c["id"] for c in portal.every("/cases", as_user=as_user, scope="mine")
            if c["subject"] == subject]


def test_the_same_key_again_answers_the_first_case_and_makes_no_other(portal: Portal) -> None:
    key, subject = str(uuid.uuid4()), f"Jam {uuid.uuid4().hex[:8]}"
    first = post_case(portal, key, subject)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = post_case(portal, key, subject)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert cases_called(portal, subject) == [first.json()["id"]]
    # The same key from someone else is theirs: a case of their own.
    theirs = post_case(portal, key, subject, as_user=OTHER)
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["id"] != first.json()["id"]
    # No key: every POST is a new case, as before.
    plain = f"Plain {uuid.uuid4().hex[:8]}"
    assert post_case(portal, None, plain).status_code == 201
    assert post_case(portal, None, plain).status_code == 201
    assert len(cases_called(portal, plain)) == 2


def test_a_key_reused_for_another_request_is_422_and_writes_nothing(portal: Portal) -> None:
    key, subject = str(uuid.uuid4()), f"Reuse {uuid.uuid4().hex[:8]}"
    assert post_case(portal, key, subject).status_code == 201
    other = post_case(portal, key, subject + " (edited)")
    assert other.status_code == 422, other.text
    assert other.json()["error"]["code"] == "invalid_request"
    assert "Idempotency-Key" in other.json()["error"]["message"]
    assert cases_called(portal, subject + " (edited)") == []


def test_an_error_is_not_remembered_so_the_key_can_try_again(portal: Portal) -> None:
    key, subject = str(uuid.uuid4()), f"Retry {uuid.uuid4().hex[:8]}"
    refused = post_case(portal, key, subject, category="no-such-category")
    assert refused.status_code in (400, 422), refused.text
    fixed = post_case(portal, key, subject)
    assert fixed.status_code == 201, fixed.text
    assert cases_called(portal, subject) == [fixed.json()["id"]]


def test_a_double_click_makes_one_case(portal: Portal) -> None:
    key, subject = str(uuid.uuid4()), f"Double {uuid.uuid4().hex[:8]}"
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: post_case(portal, key, subject), range(4)))
    statuses = sorted(a.status_code for a in answers)
    # Each is the first answer again, or "still being answered" while the first runs.
    assert set(statuses) <= {201, 409}, [a.text for a in answers]
    assert 201 in statuses
    assert len({a.json()["id"] for a in answers if a.status_code == 201}) == 1
    assert len(cases_called(portal, subject)) == 1


@pytest.mark.parametrize("key", ["a b", "x" * 256, "ä"])
def test_a_key_that_is_not_visible_ascii_is_400(portal: Portal, key: str) -> None:
    subject = f"Badkey {uuid.uuid4().hex[:8]}"
    r = post_case(portal, key, subject)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "bad_request"
    assert cases_called(portal, subject) == []
