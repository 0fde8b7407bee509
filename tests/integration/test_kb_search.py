"""Knowledge-base search through the local gateway: the indexer follows publishing and
archiving, search and suggestions keep to each reader's audience, hostile queries answer
normally."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from infra.local import LocalCloud
from portico import clock
from tests.conftest import Portal, wait_for

ADMIN = "admin@portico.example"
AGENT = "agent@portico.example"
NED = "contact@northwind.example"
PARTNER = "partner@fabrikam.example"


def publish(portal: Portal, **over: Any) -> dict[str, Any]:
    body = {"slug": f"search-{uuid.uuid4().hex[:8]}", "category": "search-tests",
            "translations": {"en": {"title": "Toner cartridge replacement",
                                    "body": "Lift the front cover and slide the cartridge."}},
            **over}
    r = portal.request("POST", "/kb/articles", as_user=AGENT, json=body)
    assert r.status_code == 201, r.text
    live = portal.request("POST", f"/kb/articles/{r.json()['id']}/publish", as_user=ADMIN,
                          json={"version": 1})
    assert live.status_code == 200, live.text
    return dict(live.json())


def found(portal: Portal, q: str, user: str | None = None, **params: str) -> list[str]:
    query = "&".join(f"{k}={v}" for k, v in {"q": q, **params}.items())
    r = (portal.get(f"/kb/search?{query}", as_user=user) if user
         else portal.get(f"/kb/public/search?{query}"))
    assert r.status_code == 200, r.text
    return [h["slug"] for h in r.json()["items"]]


def test_the_demo_articles_are_searchable(portal: Portal) -> None:
    slugs = wait_for(lambda: found(portal, "password"))
    assert slugs[0] == "reset-your-password"
    hits = portal.get("/kb/public/search?q=password").json()["items"]
    assert "<mark>" in hits[0]["snippet"]
    assert set(hits[0]) == {"id", "slug", "external_id", "title", "snippet", "score"}
    assert "reset-your-password" in wait_for(lambda: found(portal, "salasana", lang="fi"))


def test_publish_and_archive_reach_search(portal: Portal) -> None:
    word = f"zq{uuid.uuid4().hex[:6]}"
    article = publish(portal, translations={"en": {
        "title": f"Fixing the {word} error", "body": f"The {word} error means a jam."}})
    assert wait_for(lambda: found(portal, word)) == [article["slug"]]
    gone = portal.request("POST", f"/kb/articles/{article['id']}/archive", as_user=ADMIN,
                          json={"version": article["version"]})
    assert gone.status_code == 200
    assert wait_for(lambda: found(portal, word) == [])


def test_restricted_articles_never_reach_others(portal: Portal) -> None:
    wait_for(lambda: found(portal, "escalation", PARTNER))
    assert "partner-escalation-guide" in found(portal, "escalation", PARTNER)
    assert "partner-escalation-guide" in found(portal, "escalation", AGENT)
    assert "partner-escalation-guide" not in found(portal, "escalation", NED)
    assert "partner-escalation-guide" not in found(portal, "escalation")
    for user in (NED, None):
        r = (portal.get("/kb/suggest?q=partner esc", as_user=user) if user
             else portal.get("/kb/public/suggest?q=partner esc"))
        assert "partner-escalation-guide" not in [s["slug"] for s in r.json()["items"]]
        cats = (portal.get("/kb/categories", as_user=user) if user
                else portal.get("/kb/public/categories")).json()["items"]
        assert "partners" not in {c["category"] for c in cats}
    partner_cats = {c["category"]: c["count"] for c in portal.get(
        "/kb/categories", as_user=PARTNER).json()["items"]}
    assert partner_cats["partners"] >= 1


def test_suggestions_while_typing_a_subject(portal: Portal) -> None:
    slugs = wait_for(lambda: [s["slug"] for s in portal.get(
        "/kb/suggest?q=reset pass", as_user=NED).json()["items"]])
    assert "reset-your-password" in slugs
    assert len(slugs) <= 5


@pytest.mark.parametrize("q", ['"unbalanced', "password AND OR NOT", "NEAR(a b)", "pass*",
                               "title:password", "^-()", "' OR 1=1 --", "\u0000\u202e",
                               "x" * 10_000, "ä" * 3000])
def test_a_hostile_query_answers_normally(portal: Portal, q: str) -> None:
    r = portal.get("/kb/public/search", params={"q": q})
    assert r.status_code == 200, r.text[:300]
    assert isinstance(r.json()["items"], list)
    s = portal.get("/kb/public/suggest", params={"q": q})
    assert s.status_code == 200


def test_a_burst_already_in_the_index_builds_nothing(cloud: LocalCloud, portal: Portal
                                                     ) -> None:
    wait_for(lambda: found(portal, "password"))  # the demo's index is built
    fn = cloud.functions["KnowledgeBaseIndexerFunction"]

    def record(occurred_at: str) -> dict[str, Any]:
        return {"body": json.dumps({"detail": {"occurred_at": occurred_at,
                                               "type": "ArticlePublished"}})}

    old = fn.invoke({"Records": [record("2020-01-01T00:00:00.000Z")] * 3})
    assert old == {"current": True, "built": False}
    fresh = fn.invoke({"Records": [record(clock.stamp())]})
    assert fresh["current"] is True
    assert fresh["key"].startswith("kb/index/")


def test_the_indexer_gives_each_english_article_its_meaning(cloud: LocalCloud,
                                                             portal: Portal) -> None:
    from portico.kb.search import SearchIndex

    wait_for(lambda: found(portal, "password"))
    built = cloud.functions["KnowledgeBaseIndexerFunction"].invoke(
        {"Records": [{"body": json.dumps({"detail": {"occurred_at": clock.stamp(),
                                                     "type": "ArticlePublished"}})}]})
    body = cloud.client("s3").get_object(Bucket=cloud.resource("DocumentsBucket"),
                                         Key=built["key"])["Body"].read()
    index = SearchIndex.load(body)
    db = index._db
    english = db.execute("SELECT count(*) FROM doc WHERE lang = 'en'").fetchone()[0]
    assert english > 0
    assert db.execute("SELECT count(*) FROM vec").fetchone()[0] == english
    assert db.execute("SELECT count(*) FROM vec JOIN doc USING (rowid) "
                      "WHERE doc.lang != 'en'").fetchone()[0] == 0
    assert {k for (k,) in db.execute("SELECT key FROM model")} == {
        "model", "tokenizer", "tokens", "scales"}
